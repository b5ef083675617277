import { HoloMindError } from '@holomind/core';

/** Stable codes for every error `@holomind/data` throws. */
export type DataErrorCode =
  | 'FILE_NOT_FOUND'
  | 'FILE_UNREADABLE'
  | 'IDX_BAD_MAGIC'
  | 'IDX_UNSUPPORTED'
  | 'IDX_TRUNCATED'
  | 'IDX_TOO_LARGE'
  | 'IDX_TRAILING_BYTES'
  | 'GZIP_CORRUPT'
  | 'CSV_INVALID'
  | 'LENGTH_MISMATCH'
  | 'FEATURE_SHAPE_MISMATCH'
  | 'NON_FINITE_FEATURE'
  | 'LABEL_OUT_OF_RANGE'
  | 'LABEL_NOT_INTEGER'
  | 'LABELS_MIXED'
  | 'EMPTY_SPLIT'
  | 'MISSING_VALUES'
  | 'UNKNOWN_AUGMENTATION'
  | 'INVALID_CONFIG'
  | 'INVALID_YAML'
  | 'NOT_FITTED'
  | 'TASK_NOT_FOUND'
  | 'TASK_DATA_MISSING'
  | 'INVALID_MANIFEST'
  | 'PACKAGE_MISSING'
  | 'CHECKSUM_MISMATCH'
  | 'INVALID_ARGUMENT';

/** Where in the input the problem is; every field that is known is set. */
export interface DataErrorLocation {
  /** Path of the file, or a description of the source (`'mnist package, digit 3'`). */
  file?: string;
  /** Byte offset into the file (into the decompressed stream for gzip files). */
  offset?: number;
  /** Index of the offending sample within its split. */
  sampleIndex?: number;
  /** Which split: `train`, `val` or `test`. */
  split?: string;
  /** Config key or option name, dotted (`augmentation[1].type`). */
  key?: string;
  /** 1-based line number, for text inputs (CSV, YAML). */
  line?: number;
}

/** What a {@link DataError} carries besides its code and message. */
export interface DataErrorOptions extends DataErrorLocation {
  cause?: unknown;
}

/**
 * The one error class of @holomind/data: stable `code`, message with the value, where it is and the
 * fix, and every known {@link DataErrorLocation} field. `isInstance` works across duplicated installs.
 */
export class DataError extends HoloMindError<DataErrorCode> implements DataErrorLocation {
  static override readonly errorName = 'DataError';
  declare readonly file?: string;
  declare readonly offset?: number;
  declare readonly sampleIndex?: number;
  declare readonly split?: string;
  declare readonly key?: string;
  declare readonly line?: number;

  constructor(code: DataErrorCode, message: string, options: DataErrorOptions = {}) {
    super(code, message, options.cause === undefined ? undefined : { cause: options.cause });
    const { file, offset, sampleIndex, split, key, line } = options;
    // Only the known fields, so `toMatchObject` and logs show no `key: undefined`.
    Object.assign(this, stripUndefined({ file, offset, sampleIndex, split, key, line }));
  }
}

function stripUndefined(location: DataErrorLocation): DataErrorLocation {
  return Object.fromEntries(Object.entries(location).filter(([, value]) => value !== undefined));
}
