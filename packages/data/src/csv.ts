import { DataError } from './errors.js';
import { nodeFs } from './node-io.js';
import type { DataSplit } from './split.js';

/** Options of {@link readCsvDataset} and {@link parseCsvDataset}. */
export interface CsvDatasetOptions {
  /** The label column: header name or 0-based index. Default: the last column. */
  labelColumn?: string | number;
  /** Feature columns (names or indices), in order. Default: every column but the label. */
  featureColumns?: Array<string | number>;
  /** Whether the first row names the columns (default true). */
  header?: boolean;
  /** Field separator (default `,`). */
  delimiter?: string;
  /** Integer labels must be below it. */
  numClasses?: number;
  /** Text labels: label = index in this list (default: the distinct texts, sorted). */
  classNames?: string[];
}

/** A CSV file as one split, with the names of its columns and classes. */
export interface CsvDataset extends DataSplit {
  featureNames: string[];
  /** Set when labels were text: `classNames[label]` is the original text. */
  classNames?: string[];
  /** Labels are in [0, numClasses). */
  numClasses: number;
}

/** What csv-parse hands `on_record` besides the fields. */
interface RecordContext {
  lines: number;
}

/** Values per storage chunk: 4 MiB of float32, so growing never copies what was read. */
const CHUNK_VALUES = 1 << 20;

/** A growable typed array kept as fixed chunks; `toArray` copies once into the exact size. */
class ChunkedArray<T extends Float32Array | Int32Array> {
  private readonly chunks: T[] = [];
  private used = CHUNK_VALUES;
  length = 0;

  constructor(private readonly create: (length: number) => T) {}

  push(value: number): void {
    if (this.used === CHUNK_VALUES) {
      this.chunks.push(this.create(CHUNK_VALUES));
      this.used = 0;
    }
    this.chunks.at(-1)![this.used++] = value;
    this.length++;
  }

  toArray(): T {
    const out = this.create(this.length);
    let offset = 0;
    // Chunks are dropped as they are copied, so the peak stays near one copy plus a chunk.
    for (let index = 0; index < this.chunks.length; index++) {
      const chunk = this.chunks[index]!;
      const take = Math.min(chunk.length, this.length - offset);
      out.set(take === chunk.length ? chunk : chunk.subarray(0, take), offset);
      offset += take;
      (this.chunks as Array<T | undefined>)[index] = undefined;
    }
    this.chunks.length = 0;
    return out;
  }
}

/** A decimal number as written in CSV files: no hex/octal/binary, no `Infinity`, no `NaN`. */
function isRadixPrefixed(cell: string): boolean {
  if (cell.length < 2 || cell.charCodeAt(0) !== 48 /* 0 */) return false;
  const next = cell.charCodeAt(1) | 0x20; // lower case
  return next === 0x78 /* x */ || next === 0x6f /* o */ || next === 0x62 /* b */;
}

/** Char codes a decimal number may start with (digits, sign, point) and end with (digits, point). */
const isDigit = (code: number) => code >= 48 && code <= 57;
const startsNumber = (code: number) => isDigit(code) || code === 43 || code === 45 || code === 46;

/**
 * A finite decimal number, or undefined for anything else (text, hex, NaN, ±Infinity, overflow,
 * surrounding whitespace). `Number` accepts decimal and radix literals, `Infinity` and whitespace;
 * the first and last character rule out all but radix literals, refused by their prefix.
 */
function decimal(cell: string): number | undefined {
  if (cell === '' || !startsNumber(cell.charCodeAt(0)) || !(isDigit(cell.charCodeAt(cell.length - 1)) || cell.endsWith('.'))) {
    return undefined;
  }
  if (isRadixPrefixed(cell)) return undefined;
  const value = Number(cell);
  return Number.isFinite(value) ? value : undefined;
}

/**
 * Turns CSV records, one at a time, into typed arrays. Labels take their kind (class indices or
 * class names) from the first row; a later row of the other kind is LABELS_MIXED naming its line.
 */
class CsvAccumulator {
  private names: string[] | undefined;
  private labelIndex = -1;
  private featureIndices: number[] = [];
  private readonly features = new ChunkedArray((length) => new Float32Array(length));
  private readonly labels = new ChunkedArray((length) => new Int32Array(length));
  private labelKind: 'index' | 'name' | undefined;
  private firstLabel: { line: number; cell: string } | undefined;
  /** Text labels in order of first appearance (without `classNames`), or the given `classNames`. */
  private readonly textClasses = new Map<string, number>();
  private samples = 0;

  constructor(
    private readonly source: string,
    private readonly options: CsvDatasetOptions,
  ) {
    options.classNames?.forEach((name, index) => this.textClasses.set(name, index));
    if (options.classNames) this.labelKind = 'name';
  }

  add(record: string[], { lines: line }: RecordContext): void {
    if (!this.names) {
      const header = this.options.header ?? true;
      this.resolveColumns(header ? record : record.map((_, i) => `column${i}`));
      if (header) return;
    }
    const names = this.names!;
    for (const index of this.featureIndices) {
      const cell = record[index]!;
      const value = cell === '' ? Number.NaN : decimal(cell);
      // Features are stored as float32: a double beyond ±3.4e38 would silently become ±Infinity.
      if (value === undefined || Math.abs(Math.fround(value)) === Infinity) this.refuseFeature(cell, line, names[index]!);
      this.features.push(value!);
    }
    this.labels.push(this.label(record[this.labelIndex]!, line));
    this.samples++;
  }

  finish(): CsvDataset {
    if (!this.names) throw new DataError('EMPTY_SPLIT', `${this.source} has no rows.`, { file: this.source });
    if (this.samples === 0) {
      throw new DataError('EMPTY_SPLIT', `${this.source} has a header but no data rows.`, { file: this.source });
    }
    const labels = this.labels.toArray();
    const featureNames = this.featureIndices.map((i) => this.names![i]!);
    const result = { features: this.features.toArray(), labels, featureShape: [this.featureIndices.length], featureNames };
    if (this.labelKind === 'index') {
      const largest = labels.reduce((max, label) => Math.max(max, label), 0);
      return { ...result, numClasses: this.options.numClasses ?? largest + 1 };
    }
    if (this.options.classNames)
      return { ...result, classNames: [...this.options.classNames], numClasses: this.options.classNames.length };
    // Without classNames, the sorted distinct texts are the classes (as documented); remap in place.
    const firstSeen = [...this.textClasses.keys()];
    const classNames = [...firstSeen].sort();
    const position = new Map(classNames.map((name, i) => [name, i]));
    const remap = Int32Array.from(firstSeen, (name) => position.get(name)!);
    for (let i = 0; i < labels.length; i++) labels[i] = remap[labels[i]!]!;
    return { ...result, classNames, numClasses: classNames.length };
  }

  private resolveColumns(names: string[]): void {
    this.names = names;
    const width = names.length;
    const column = (ref: string | number, key: string): number => {
      const index = typeof ref === 'number' ? ref : names.indexOf(ref);
      if (!Number.isInteger(index) || index < 0 || index >= width) {
        throw new DataError(
          'INVALID_ARGUMENT',
          `${key} ${JSON.stringify(ref)} is not a column of ${this.source}; its columns are: ${names.join(', ')}. ` +
            `Name one of them (or give a 0-based index below ${width}).`,
          { file: this.source, key },
        );
      }
      return index;
    };
    this.labelIndex = column(this.options.labelColumn ?? width - 1, 'labelColumn');
    this.featureIndices = (this.options.featureColumns ?? names.map((_, i) => i).filter((i) => i !== this.labelIndex)).map(
      (ref) => column(ref, 'featureColumns'),
    );
    if (this.featureIndices.length === 0) {
      throw new DataError('INVALID_ARGUMENT', `${this.source} has no feature column besides the label.`, {
        file: this.source,
        key: 'featureColumns',
      });
    }
  }

  private refuseFeature(cell: string, line: number, column: string): never {
    const why = isRadixPrefixed(cell)
      ? 'is not a decimal number (hexadecimal, octal and binary are refused)'
      : Number.isNaN(Number(cell)) || cell === 'NaN'
        ? 'is not a number'
        : 'is not a finite float32 number (|x| < 3.4e38)';
    throw new DataError(
      'CSV_INVALID',
      `${this.source} line ${line}, column '${column}': ${JSON.stringify(cell)} ${why}. ` +
        'Write a finite decimal number, or leave the cell empty for a missing value.',
      { file: this.source, line, sampleIndex: this.samples },
    );
  }

  private label(cell: string, line: number): number {
    const fail = (code: 'CSV_INVALID' | 'LABEL_NOT_INTEGER' | 'LABEL_OUT_OF_RANGE' | 'LABELS_MIXED', why: string): never => {
      throw new DataError(code, `${this.source} line ${line}: label ${JSON.stringify(cell)} ${why}.`, {
        file: this.source,
        line,
        sampleIndex: this.samples,
      });
    };
    if (cell === '') fail('CSV_INVALID', 'is empty; every row needs a label');
    const value = this.labelKind === 'name' && this.options.classNames ? undefined : decimal(cell);
    const kind = value === undefined ? 'name' : 'index';
    if (this.labelKind === undefined) {
      this.labelKind = kind;
      this.firstLabel = { line, cell };
    } else if (kind !== this.labelKind && !this.options.classNames) {
      const first = this.firstLabel!;
      fail(
        'LABELS_MIXED',
        `is ${kind === 'name' ? 'text' : 'a number'} but the label on line ${first.line} (${JSON.stringify(first.cell)}) is ` +
          `${kind === 'name' ? 'a number' : 'text'}; a label column holds class indices (0, 1, ...) or class names, not both. ` +
          'Fix the row, or give every class a name',
      );
    }
    if (kind === 'index') {
      if (!Number.isInteger(value)) fail('LABEL_NOT_INTEGER', 'is not an integer class index');
      const { numClasses } = this.options;
      if (value! < 0 || (numClasses !== undefined && value! >= numClasses)) {
        fail('LABEL_OUT_OF_RANGE', `is outside [0, ${numClasses ?? 'numClasses'})`);
      }
      if (value! > 0x7fffffff) fail('LABEL_OUT_OF_RANGE', 'is too large for a class index');
      return value!;
    }
    const known = this.textClasses.get(cell);
    if (known !== undefined) return known;
    if (this.options.classNames)
      fail('LABEL_OUT_OF_RANGE', `is not one of the classNames ${JSON.stringify(this.options.classNames)}`);
    this.textClasses.set(cell, this.textClasses.size);
    return this.textClasses.size - 1;
  }
}

function parserOptions(options: CsvDatasetOptions, accumulator: CsvAccumulator) {
  return {
    delimiter: options.delimiter ?? ',',
    skip_empty_lines: true,
    trim: true,
    bom: true,
    // Every record goes straight into the typed arrays; returning undefined keeps csv-parse from holding it.
    on_record: (record: string[], context: RecordContext) => void accumulator.add(record, context),
  };
}

function csvError(error: unknown, source: string): unknown {
  if (DataError.isInstance(error)) return error;
  const line = (error as { lines?: number }).lines;
  return new DataError('CSV_INVALID', `${source}${line ? ` line ${line}` : ''}: ${(error as Error).message}`, {
    file: source,
    line,
    cause: error,
  });
}

/**
 * Reads a CSV file of numeric feature columns and one label column, streaming: memory stays near
 * the size of the typed arrays it returns, whatever the file size. Labels are all integers (class
 * indices) or all text (mapped to class indices); a mix is LABELS_MIXED naming the line. Empty
 * feature cells become NaN (see the pipeline's missingValues policy); anything but a finite
 * decimal number (text, `NaN`, `Infinity`, `1e999`, `0x10`) fails with CSV_INVALID naming the
 * file, line and column. Node only.
 */
export async function readCsvDataset(path: string, options: CsvDatasetOptions = {}): Promise<CsvDataset> {
  const fs = await nodeFs();
  const [{ parse }, { createReadStream }, { pipeline }] = await Promise.all([
    import('csv-parse'),
    import('node:fs'),
    import('node:stream/promises'),
  ]);
  try {
    const stat = await fs.stat(path);
    if (stat.isDirectory()) {
      throw new DataError('INVALID_ARGUMENT', `The CSV file '${path}' is a folder. Name a .csv file inside it.`, { file: path });
    }
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') {
      throw new DataError(
        'FILE_NOT_FOUND',
        `The CSV file '${path}' does not exist. Check the path (relative paths start at ${process.cwd()}).`,
        { file: path, cause: error },
      );
    }
    throw error;
  }
  const accumulator = new CsvAccumulator(path, options);
  try {
    await pipeline(createReadStream(path), parse(parserOptions(options, accumulator)), async function* (records) {
      // on_record keeps every record, so nothing arrives here; draining lets the pipeline end.
      for await (const _ of records) yield;
    });
  } catch (error) {
    throw csvError(error, path);
  }
  return accumulator.finish();
}

/**
 * {@link readCsvDataset} on CSV text; `source` names it in errors. Async because csv-parse is
 * loaded on first use: its Node build touches `Buffer` when imported, which would break importing
 * this package in a browser bundle.
 */
export async function parseCsvDataset(text: string, options: CsvDatasetOptions & { source?: string } = {}): Promise<CsvDataset> {
  const { parse } = await import('csv-parse/sync');
  const source = options.source ?? 'CSV text';
  const accumulator = new CsvAccumulator(source, options);
  try {
    parse(text, parserOptions(options, accumulator));
  } catch (error) {
    throw csvError(error, source);
  }
  return accumulator.finish();
}
