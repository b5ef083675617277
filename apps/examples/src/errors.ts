import { HoloMindError } from '@holomind/core';

/** Stable codes for the failures the CLI reports as one paragraph and a non-zero exit. */
export type CliErrorCode =
  | 'CONFIG_SYNTAX'
  | 'CONFIG_INVALID'
  | 'CONFIG_NOT_FOUND'
  | 'CONFIG_LIMIT_EXCEEDED'
  | 'DATA_MISSING'
  | 'DATA_INVALID'
  | 'DATA_CHANGED'
  | 'DATABASE_UNREACHABLE'
  | 'NO_CHECKPOINT'
  | 'INVALID_ARGUMENT'
  | 'STUDY_INVALID'
  | 'STUDY_NOT_FOUND'
  | 'STUDY_FAILED'
  | 'QUEUE_UNREACHABLE'
  | 'OUTPUT_UNUSABLE'
  | 'CHECKPOINT_DAMAGED'
  | 'RUN_NOT_FOUND'
  | 'RUN_IN_PROGRESS'
  | 'DATABASE_CANNOT_HOLD_RUN';

/** An error meant for a person at a terminal: the message is the whole story, with the fix. */
export class CliError extends HoloMindError<CliErrorCode> {
  static override readonly errorName = 'CliError';
}
