import { HoloMindError } from '@holomind/core';

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

/** The one error class of @holomind/db: stable `code`, message with the value and the fix. */
export class DatabaseError extends HoloMindError<DatabaseErrorCode> {
  static override readonly errorName = 'DatabaseError';
}
