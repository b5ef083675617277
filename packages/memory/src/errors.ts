import { HoloMindError } from '@holomind/core';

/** Stable codes for every error `@holomind/memory` throws. */
export type MemoryErrorCode =
  | 'INVALID_OPTION'
  | 'QUERY_SHAPE_MISMATCH'
  | 'WRITE_SHAPE_MISMATCH'
  | 'INVALID_IMPORTANCE'
  | 'STATE_MISMATCH'
  | 'DISPOSED'
  | 'BUDGET_TOO_SMALL'
  | 'UNKNOWN_WRITE_POLICY'
  | 'REPLAY_BATCH_TOO_LARGE'
  | 'LABEL_OUT_OF_RANGE'
  | 'EPISODE_SHAPE_MISMATCH'
  | 'EMPTY_MEMORY';

/** The one error class of @holomind/memory: stable `code`, message with the value and the fix. */
export class MemoryError extends HoloMindError<MemoryErrorCode> {
  static override readonly errorName = 'MemoryError';
}
