/** Stable codes for every error `@holomind/db` throws. */
export type DatabaseErrorCode =
  | 'DRIVER_PACKAGE_MISSING'
  | 'DRIVER_UNAVAILABLE'
  | 'INVALID_DATABASE_URL'
  | 'MIGRATION_FAILED'
  | 'INVALID_ARGUMENT'
  | 'INVALID_STATE'
  | 'NOT_FOUND'
  | 'CONFLICT';

const marker = Symbol.for('@holomind/db/error');

/**
 * The one error class of this package. `code` is stable across versions; the message names the
 * offending value and the fix. `isInstance` works across duplicated installs, unlike `instanceof`.
 */
export class DatabaseError extends Error {
  readonly [marker] = true;
  override readonly name = 'DatabaseError';

  constructor(
    readonly code: DatabaseErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }

  static isInstance(error: unknown): error is DatabaseError {
    return typeof error === 'object' && error !== null && (error as Record<symbol, unknown>)[marker] === true;
  }
}
