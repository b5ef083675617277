/** Stable codes for every error `@holomind/ewc` throws. */
export type EwcErrorCode =
  | 'INVALID_OPTION'
  | 'EMPTY_DATA'
  | 'DATA_MISMATCH'
  | 'UNSUPPORTED_TARGET'
  | 'VARIABLE_MISSING'
  | 'SHAPE_CHANGED'
  | 'NON_FINITE_FISHER'
  | 'BACKEND_UNSUPPORTED'
  | 'INVALID_STATE';

const marker = Symbol.for('@holomind/ewc/error');

/**
 * The one error class of this package. `code` is stable across versions; the message names the
 * offending value and the fix. `isInstance` works across duplicated installs, unlike `instanceof`.
 */
export class EwcError extends Error {
  readonly [marker] = true;
  override readonly name = 'EwcError';

  constructor(
    readonly code: EwcErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }

  static isInstance(error: unknown): error is EwcError {
    return typeof error === 'object' && error !== null && (error as Record<symbol, unknown>)[marker] === true;
  }
}
