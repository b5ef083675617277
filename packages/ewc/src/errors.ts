import { HoloMindError } from '@holomind/core';

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

/** The one error class of @holomind/ewc: stable `code`, message with the value and the fix. */
export class EwcError extends HoloMindError<EwcErrorCode> {
  static override readonly errorName = 'EwcError';
}
