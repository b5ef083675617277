import { DataError } from './errors.js';
import { readFileBytes } from './node-io.js';
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

interface CsvRow {
  record: string[];
  info: { lines: number };
}

/**
 * Reads a CSV file of numeric feature columns and one label column. Labels may be integers or text
 * (mapped to class indices). Empty feature cells become NaN (see the pipeline's missingValues
 * policy); any other non-number fails with CSV_INVALID naming the file, line and column. Node only.
 */
export async function readCsvDataset(path: string, options: CsvDatasetOptions = {}): Promise<CsvDataset> {
  const bytes = await readFileBytes(path, 'CSV file');
  return parseCsvDataset(new TextDecoder().decode(bytes), { ...options, source: path });
}

/**
 * {@link readCsvDataset} on CSV text; `source` names it in errors. Async because csv-parse is
 * loaded on first use: its Node build touches `Buffer` when imported, which would break importing
 * this package in a browser bundle.
 */
export async function parseCsvDataset(text: string, options: CsvDatasetOptions & { source?: string } = {}): Promise<CsvDataset> {
  const { parse } = await import('csv-parse/sync');
  const source = options.source ?? 'CSV text';
  const header = options.header ?? true;
  let rows: CsvRow[];
  try {
    rows = parse(text, {
      delimiter: options.delimiter ?? ',',
      skip_empty_lines: true,
      trim: true,
      info: true,
      bom: true,
    }) as unknown as CsvRow[];
  } catch (error) {
    const line = (error as { lines?: number }).lines;
    throw new DataError('CSV_INVALID', `${source}${line ? ` line ${line}` : ''}: ${(error as Error).message}`, {
      file: source,
      line,
      cause: error,
    });
  }
  if (rows.length === 0) throw new DataError('EMPTY_SPLIT', `${source} has no rows.`, { file: source });
  const width = rows[0]!.record.length;
  const names = header ? rows[0]!.record : Array.from({ length: width }, (_, i) => `column${i}`);
  const body = header ? rows.slice(1) : rows;
  if (body.length === 0) throw new DataError('EMPTY_SPLIT', `${source} has a header but no data rows.`, { file: source });
  const column = (ref: string | number, key: string): number => {
    const index = typeof ref === 'number' ? ref : names.indexOf(ref);
    if (!Number.isInteger(index) || index < 0 || index >= width) {
      throw new DataError(
        'INVALID_ARGUMENT',
        `${key} ${JSON.stringify(ref)} is not a column of ${source}; columns: ${names.join(', ')}.`,
        { file: source, key },
      );
    }
    return index;
  };
  const labelIndex = column(options.labelColumn ?? width - 1, 'labelColumn');
  const featureIndices = (options.featureColumns ?? names.map((_, i) => i).filter((i) => i !== labelIndex)).map((ref) =>
    column(ref, 'featureColumns'),
  );
  if (featureIndices.length === 0)
    throw new DataError('INVALID_ARGUMENT', `${source} has no feature column besides the label.`, {
      file: source,
      key: 'featureColumns',
    });

  const size = featureIndices.length;
  const features = new Float32Array(body.length * size);
  body.forEach(({ record, info }, sample) => {
    featureIndices.forEach((index, j) => {
      const cell = record[index]!;
      const value = cell === '' ? Number.NaN : Number(cell);
      if (cell !== '' && Number.isNaN(value)) {
        throw new DataError(
          'CSV_INVALID',
          `${source} line ${info.lines}, column '${names[index]}': ${JSON.stringify(cell)} is not a number.`,
          {
            file: source,
            line: info.lines,
            sampleIndex: sample,
          },
        );
      }
      features[sample * size + j] = value;
    });
  });
  const { labels, classNames, numClasses } = csvLabels(body, labelIndex, source, options);
  return {
    features,
    labels,
    featureShape: [size],
    featureNames: featureIndices.map((i) => names[i]!),
    numClasses,
    ...(classNames ? { classNames } : {}),
  };
}

function csvLabels(
  body: CsvRow[],
  labelIndex: number,
  source: string,
  options: CsvDatasetOptions,
): { labels: Int32Array; classNames?: string[]; numClasses: number } {
  const cells = body.map(({ record }) => record[labelIndex]!);
  const fail = (sample: number, code: 'CSV_INVALID' | 'LABEL_NOT_INTEGER' | 'LABEL_OUT_OF_RANGE', why: string): never => {
    const line = body[sample]!.info.lines;
    throw new DataError(code, `${source} line ${line}: label ${JSON.stringify(cells[sample])} ${why}.`, {
      file: source,
      line,
      sampleIndex: sample,
    });
  };
  cells.forEach((cell, sample) => cell === '' && fail(sample, 'CSV_INVALID', 'is empty; every row needs a label'));
  const numeric = !options.classNames && cells.every((cell) => !Number.isNaN(Number(cell)));
  if (numeric) {
    const labels = Int32Array.from(cells, (cell, sample) => {
      const value = Number(cell);
      if (!Number.isInteger(value)) fail(sample, 'LABEL_NOT_INTEGER', 'is not an integer class index');
      if (value < 0 || (options.numClasses !== undefined && value >= options.numClasses)) {
        fail(sample, 'LABEL_OUT_OF_RANGE', `is outside [0, ${options.numClasses ?? 'numClasses'})`);
      }
      return value;
    });
    return { labels, numClasses: options.numClasses ?? labels.reduce((largest, label) => Math.max(largest, label), 0) + 1 };
  }
  const classNames = options.classNames ?? [...new Set(cells)].sort();
  const index = new Map(classNames.map((name, i) => [name, i]));
  const labels = Int32Array.from(
    cells,
    (cell, sample) =>
      index.get(cell) ?? fail(sample, 'LABEL_OUT_OF_RANGE', `is not one of the classNames ${JSON.stringify(classNames)}`),
  );
  return { labels, classNames, numClasses: classNames.length };
}
