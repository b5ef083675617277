import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DataError, parseCsvDataset, type CsvDataset } from './index.js';

// Property tests of the CSV reader (issue 15): random tables read back exactly, and random
// mutations of them never crash — every run ends in a DataError or a result that an independent
// reference reading of the same text agrees with. HOLOMIND_PROPERTY_RUNS raises the case counts.
const RUNS = Number(process.env.HOLOMIND_PROPERTY_RUNS ?? 600);

/** A decimal number as the reader must accept it, written independently of its implementation. */
const DECIMAL = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;

interface Table {
  header: string[];
  rows: Array<{ features: Array<number | null>; label: number | string }>;
}

const featureValue = fc.oneof(
  fc.double({ noNaN: true, noDefaultInfinity: true, min: -1e30, max: 1e30 }),
  fc.integer({ min: -1000, max: 1000 }),
  fc.constant(null),
);

/** Random tables; `quoted` draws header cells and class names that need CSV quoting. */
function tables(quoted: boolean): fc.Arbitrary<Table> {
  const headerUnit = quoted ? fc.constantFrom('a', 'b', ' ', ',', '"', 'é', '1') : fc.constantFrom('a', 'b', '1');
  const names = quoted ? ['cat', 'dog', 'emu', 'b c', 'x,y'] : ['cat', 'dog', 'emu'];
  return fc
    .record({ columns: fc.integer({ min: 1, max: 5 }), count: fc.integer({ min: 1, max: 12 }), text: fc.boolean() })
    .chain(({ columns, count, text }) =>
      fc.record({
        header: fc.array(fc.string({ unit: headerUnit, minLength: 1, maxLength: 6 }), {
          minLength: columns + 1,
          maxLength: columns + 1,
        }),
        rows: fc.array(
          fc.record({
            features: fc.array(featureValue, { minLength: columns, maxLength: columns }),
            label: text ? fc.constantFrom(...names) : fc.integer({ min: 0, max: 12 }),
          }),
          { minLength: count, maxLength: count },
        ),
      }),
    );
}

/** RFC 4180 quoting of one field; also quotes fields the reader would trim. */
function field(value: string): string {
  return /[",\r\n]|^\s|\s$/.test(value) ? `"${value.replaceAll('"', '""')}"` : value;
}

function toCsv({ header, rows }: Table): string {
  const lines = [header.map(field).join(',')];
  for (const row of rows)
    lines.push([...row.features.map((v) => (v === null ? '' : String(v))), String(row.label)].map(field).join(','));
  return `${lines.join('\n')}\n`;
}

async function outcome(text: string): Promise<CsvDataset | DataError> {
  try {
    return await parseCsvDataset(text, { source: 'property.csv' });
  } catch (error) {
    if (DataError.isInstance(error)) return error;
    throw error; // anything but a named error fails the property
  }
}

/**
 * An independent reading of CSV text without quotes or carriage returns: lines split on `\n`,
 * blank lines (spaces and tabs only) skipped, cells split on `,` and trimmed of spaces and tabs. Undefined when the
 * text must be refused.
 */
function referenceReading(text: string): { features: number[]; labels: number[]; numClasses: number } | undefined {
  const lines = text.split('\n').filter((line) => !/^[ \t]*$/.test(line));
  const rows = lines.map((line) => line.split(',').map((cell) => cell.replace(/^[ \t]+|[ \t]+$/g, '')));
  if (rows.length < 2 || rows.some((row) => row.length !== rows[0]!.length) || rows[0]!.length < 2) return undefined;
  const body = rows.slice(1);
  const features: number[] = [];
  for (const row of body) {
    for (const cell of row.slice(0, -1)) {
      if (cell === '') features.push(Number.NaN);
      else if (DECIMAL.test(cell) && Number.isFinite(Math.fround(Number(cell)))) features.push(Math.fround(Number(cell)));
      else return undefined;
    }
  }
  const cells = body.map((row) => row.at(-1)!);
  if (cells.some((cell) => cell === '')) return undefined;
  const numeric = cells.map((cell) => DECIMAL.test(cell) && Number.isFinite(Number(cell)));
  if (numeric.every(Boolean)) {
    const labels = cells.map(Number);
    if (!labels.every((label) => Number.isInteger(label) && label >= 0 && label <= 0x7fffffff)) return undefined;
    return { features, labels, numClasses: Math.max(...labels) + 1 };
  }
  if (numeric.some(Boolean)) return undefined;
  const names = [...new Set(cells)].sort();
  return { features, labels: cells.map((cell) => names.indexOf(cell)), numClasses: names.length };
}

function sameFloats(actual: Float32Array, expected: number[]): boolean {
  return (
    actual.length === expected.length &&
    expected.every((value, i) => Object.is(actual[i], value) || (Number.isNaN(value) && Number.isNaN(actual[i]!)))
  );
}

const mutation = fc.oneof(
  fc.record({
    kind: fc.constant('insert' as const),
    at: fc.nat(),
    text: fc.constantFrom(
      ',',
      '"',
      '\n',
      '\r',
      ' ',
      'x',
      '-',
      '.',
      'e',
      '0x',
      'NaN',
      'Infinity',
      '1e999',
      '9',
      '\uFEFF',
      '\u0000',
    ),
  }),
  fc.record({ kind: fc.constant('delete' as const), at: fc.nat(), length: fc.integer({ min: 1, max: 8 }) }),
  fc.record({ kind: fc.constant('truncate' as const), at: fc.nat() }),
  fc.record({ kind: fc.constant('flip' as const), at: fc.nat(), code: fc.integer({ min: 0, max: 0xffff }) }),
);
type Mutation = typeof mutation extends fc.Arbitrary<infer M> ? M : never;

function mutate(text: string, mutations: Mutation[]): string {
  let out = text;
  for (const step of mutations) {
    const at = out.length === 0 ? 0 : step.at % (out.length + 1);
    if (step.kind === 'insert') out = out.slice(0, at) + step.text + out.slice(at);
    else if (step.kind === 'delete') out = out.slice(0, at) + out.slice(at + step.length);
    else if (step.kind === 'truncate') out = out.slice(0, at);
    else out = out.slice(0, at) + String.fromCharCode(step.code) + out.slice(at + 1);
  }
  return out;
}

describe('parseCsvDataset, property-based', () => {
  it(`reads ${RUNS} random tables back exactly (quoted headers, text or index labels, empty cells)`, async () => {
    let cases = 0;
    await fc.assert(
      fc.asyncProperty(tables(true), async (generated) => {
        cases++;
        const result = await outcome(toCsv(generated));
        if (DataError.isInstance(result)) throw new Error(`refused a valid table: ${result.message}`);
        const expectedFeatures = generated.rows.flatMap((row) =>
          row.features.map((v) => (v === null ? Number.NaN : Math.fround(Number(String(v))))),
        );
        expect(sameFloats(result.features, expectedFeatures)).toBe(true);
        expect(result.featureNames).toEqual(generated.header.slice(0, -1));
        const labels = generated.rows.map((row) => row.label);
        if (typeof labels[0] === 'number') {
          expect(Array.from(result.labels)).toEqual(labels);
          expect(result.numClasses).toBe(Math.max(...(labels as number[])) + 1);
        } else {
          const names = [...new Set(labels as string[])].sort();
          expect(result.classNames).toEqual(names);
          expect(Array.from(result.labels)).toEqual(labels.map((label) => names.indexOf(label as string)));
        }
      }),
      { numRuns: RUNS, seed: 20 },
    );
    console.log(`CSV property: ${cases} random tables read back exactly`);
    expect(cases).toBe(RUNS);
  });

  it(`ends ${RUNS} mutated files in a DataError or the reference reading, never a crash`, async () => {
    const counts = { cases: 0, refused: 0, read: 0, checkedAgainstReference: 0 };
    await fc.assert(
      fc.asyncProperty(tables(false), fc.array(mutation, { minLength: 1, maxLength: 4 }), async (generated, mutations) => {
        counts.cases++;
        const text = mutate(toCsv(generated), mutations);
        const result = await outcome(text);
        if (DataError.isInstance(result)) {
          counts.refused++;
          expect(result.message.startsWith('property.csv')).toBe(true);
        } else {
          counts.read++;
          const width = result.featureShape[0]!;
          expect(result.features.length).toBe(result.labels.length * width);
          expect(result.featureNames).toHaveLength(width);
          expect(result.labels.every((label) => label >= 0 && label < result.numClasses)).toBe(true);
          expect(result.features.every((value) => Number.isFinite(value) || Number.isNaN(value))).toBe(true);
        }
        // Printable ASCII without quotes (so no carriage return, BOM or NUL): the reference reads it independently.
        if (!text.includes('"') && !/[^\x20-\x7e\n\t]/.test(text)) {
          counts.checkedAgainstReference++;
          const reference = referenceReading(text);
          if (!reference) expect(DataError.isInstance(result), `should refuse:\n${text}`).toBe(true);
          else {
            expect(DataError.isInstance(result), `should read:\n${text}\n${(result as Error).message}`).toBe(false);
            const dataset = result as CsvDataset;
            expect(sameFloats(dataset.features, reference.features)).toBe(true);
            expect(Array.from(dataset.labels)).toEqual(reference.labels);
            expect(dataset.numClasses).toBe(reference.numClasses);
          }
        }
      }),
      { numRuns: RUNS, seed: 15 },
    );
    console.log(
      `CSV property: ${counts.cases} mutated files, ${counts.refused} refused with a DataError, ${counts.read} read; ` +
        `${counts.checkedAgainstReference} checked against the reference reading`,
    );
    expect(counts.cases).toBe(RUNS);
  });
});
