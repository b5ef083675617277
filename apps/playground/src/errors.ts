import { HoloMindError } from '@holomind/core';

/** Stable codes of the playground's errors. */
export type PlaygroundErrorCode = 'CHECKPOINT_CORRUPTED' | 'DIGITS_MISSING' | 'INVALID_SETTING';

/** The playground's one error class: stable `code`, message with the value and the fix. */
export class PlaygroundError extends HoloMindError<PlaygroundErrorCode> {
  static override readonly errorName = 'PlaygroundError';
}
