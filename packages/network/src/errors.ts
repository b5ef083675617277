/** Stable codes for every error `@holomind/network` throws. */
export type NetworkErrorCode =
  | 'INVALID_OPTION'
  | 'UNKNOWN_TASK'
  | 'DUPLICATE_TASK'
  | 'MAX_COLUMNS_REACHED'
  | 'INPUT_SHAPE_MISMATCH'
  | 'LABEL_MISMATCH'
  | 'COLUMN_FROZEN'
  | 'NO_TRAINING_SESSION'
  | 'INVALID_REGULARIZER'
  | 'GRADIENTS_MISSING'
  | 'STATE_MISMATCH'
  | 'DISPOSED';

const marker = Symbol.for('@holomind/network/error');

/**
 * The one error class of this package. `code` is stable across versions; the message names the
 * offending value and the fix. `isInstance` works across duplicated installs, unlike `instanceof`.
 */
export class NetworkError extends Error {
  readonly [marker] = true;
  override readonly name = 'NetworkError';

  constructor(
    readonly code: NetworkErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }

  static isInstance(error: unknown): error is NetworkError {
    return typeof error === 'object' && error !== null && (error as Record<symbol, unknown>)[marker] === true;
  }
}
