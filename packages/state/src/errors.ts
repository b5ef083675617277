import { HoloMindError } from '@holomind/core';

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

/** The one error class of @holomind/state: stable `code`, message with the value and the fix. */
export class StateError extends HoloMindError<StateErrorCode> {
  static override readonly errorName = 'StateError';
}

// prune.ts (moving with the SQL side of this package) still imports describeValue from here.
