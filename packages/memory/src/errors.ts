/** Stable codes for every error `@holomind/memory` throws. */
export type MemoryErrorCode =
  | 'INVALID_OPTION'
  | 'QUERY_SHAPE_MISMATCH'
  | 'WRITE_SHAPE_MISMATCH'
  | 'INVALID_IMPORTANCE'
  | 'STATE_MISMATCH'
  | 'DISPOSED';

const marker = Symbol.for('@holomind/memory/error');

/**
 * The one error class of this package. `code` is stable across versions; the message names the
 * offending value and the fix. `isInstance` works across duplicated installs, unlike `instanceof`.
 */
export class MemoryError extends Error {
  readonly [marker] = true;
  override readonly name = 'MemoryError';

  constructor(
    readonly code: MemoryErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }

  static isInstance(error: unknown): error is MemoryError {
    return typeof error === 'object' && error !== null && (error as Record<symbol, unknown>)[marker] === true;
  }
}
