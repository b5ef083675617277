import { HoloMindError, optionValidators } from '@holomind/core';

/** Stable codes for every error `@holomind/monitoring` throws. */
export type MonitoringErrorCode =
  | 'INVALID_ARGUMENT'
  | 'UNKNOWN_METRIC'
  | 'INVALID_THRESHOLD'
  | 'INVALID_RULE'
  | 'MISSING_ACCURACY'
  | 'UNSUPPORTED_DIALECT'
  | 'SINK_FAILED'
  | 'WRITER_CLOSED'
  | 'DASHBOARD_TOKEN_REQUIRED'
  | 'EVENT_FILE_CORRUPT';

/** The one error class of @holomind/monitoring: stable `code`, message with the value and the fix. */
export class MonitoringError extends HoloMindError<MonitoringErrorCode> {
  static override readonly errorName = 'MonitoringError';
}

/** Core's option checks, throwing `MonitoringError('INVALID_ARGUMENT')`. */
export const checkOption = optionValidators((message) => new MonitoringError('INVALID_ARGUMENT', message));

// src/sql/* still imports describeValue from here; the rest of the package imports it from core.
