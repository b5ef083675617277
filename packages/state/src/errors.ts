/** Stable codes for every error `@holomind/state` throws. */
export type StateErrorCode =
  | 'INVALID_STATE_ID'
  | 'INVALID_TENSOR'
  | 'INVALID_ARGUMENT'
  | 'UNSUPPORTED_DTYPE'
  | 'NOT_FOUND'
  | 'STORE_BUSY'
  | 'STORE_MISMATCH'
  | 'CORRUPT_FILE';

const marker = Symbol.for('@holomind/state/error');

/**
 * The one error class of this package. `code` is stable across versions; the message names the
 * offending value and the fix. `isInstance` works across duplicated installs, unlike `instanceof`.
 */
export class StateError extends Error {
  readonly [marker] = true;
  override readonly name = 'StateError';

  constructor(
    readonly code: StateErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }

  static isInstance(error: unknown): error is StateError {
    return typeof error === 'object' && error !== null && (error as Record<symbol, unknown>)[marker] === true;
  }
}

/** A short description of a value for error messages. */
export function describeValue(value: unknown): string {
  if (value === null) return 'null';
  if (value === undefined) return 'undefined';
  if (Array.isArray(value)) return `an array of length ${value.length}`;
  if (typeof value === 'object') return `an instance of ${value.constructor?.name ?? 'Object'}`;
  if (typeof value === 'string') return JSON.stringify(value.length > 80 ? `${value.slice(0, 80)}...` : value);
  return `${typeof value} ${String(value)}`;
}
