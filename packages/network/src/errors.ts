import { HoloMindError } from '@holomind/core';

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

/** The one error class of @holomind/network: stable `code`, message with the value and the fix. */
export class NetworkError extends HoloMindError<NetworkErrorCode> {
  static override readonly errorName = 'NetworkError';
}
