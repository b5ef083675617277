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
  | 'DASHBOARD_TOKEN_REQUIRED';

const marker = Symbol.for('@holomind/monitoring/error');

/**
 * The one error class of this package. `code` is stable across versions; the message names the
 * offending value and the fix. `isInstance` works across duplicated installs, unlike `instanceof`.
 */
export class MonitoringError extends Error {
  readonly [marker] = true;
  override readonly name = 'MonitoringError';

  constructor(
    readonly code: MonitoringErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }

  static isInstance(error: unknown): error is MonitoringError {
    return typeof error === 'object' && error !== null && (error as Record<symbol, unknown>)[marker] === true;
  }
}

/** Renders any value for an error message: strings quoted, numbers as written (NaN, Infinity). */
export function describeValue(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value);
  if (typeof value === 'number' || typeof value === 'bigint' || typeof value === 'boolean') return String(value);
  if (value === undefined) return 'undefined';
  try {
    return JSON.stringify(value) ?? String(value);
  } catch {
    return String(value);
  }
}
