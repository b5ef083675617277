/** Stable codes for the failures the CLI reports as one paragraph and a non-zero exit. */
export type CliErrorCode =
  | 'CONFIG_SYNTAX'
  | 'CONFIG_INVALID'
  | 'CONFIG_NOT_FOUND'
  | 'DATA_MISSING'
  | 'DATABASE_UNREACHABLE'
  | 'NO_CHECKPOINT'
  | 'INVALID_ARGUMENT';

const marker = Symbol.for('@holomind/examples/error');

/** An error meant for a person at a terminal: the message is the whole story, with the fix. */
export class CliError extends Error {
  readonly [marker] = true;
  override readonly name = 'CliError';

  constructor(
    readonly code: CliErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }

  static isInstance(error: unknown): error is CliError {
    return typeof error === 'object' && error !== null && (error as Record<symbol, unknown>)[marker] === true;
  }
}
