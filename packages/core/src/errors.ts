/**
 * Marks every HoloMind error, whichever copy of `@holomind/core` made it: `Symbol.for` is shared by
 * all copies in one realm, so `isInstance` still works where two installs defeat `instanceof`.
 */
const holomindErrorMarker = Symbol.for('@holomind/error');

/** What every HoloMind error constructor takes besides its code and message. */
export interface HoloMindErrorOptions {
  cause?: unknown;
}

/**
 * The base of every package's error class. `code` is stable across versions; the message names the
 * offending value and the fix. A package declares its own class in a few lines:
 *
 * @example
 * ```ts
 * export type EwcErrorCode = 'INVALID_OPTION' | 'EMPTY_DATA';
 * export class EwcError extends HoloMindError<EwcErrorCode> {
 *   static override readonly errorName = 'EwcError';
 * }
 * ```
 */
export class HoloMindError<Code extends string = string> extends Error {
  /** The class's name as it appears in `error.name`; each subclass overrides it. */
  static readonly errorName: string = 'HoloMindError';

  readonly [holomindErrorMarker]: string;

  constructor(
    readonly code: Code,
    message: string,
    options?: HoloMindErrorOptions,
  ) {
    super(message, options);
    const errorName = (new.target as typeof HoloMindError).errorName;
    this.name = errorName;
    this[holomindErrorMarker] = errorName;
  }

  /**
   * True when `error` was thrown as this class (by any installed copy of the package), or as any
   * HoloMind error when called on `HoloMindError` itself.
   */
  static isInstance<Class extends abstract new (...args: never[]) => HoloMindError>(
    this: Class & { errorName: string },
    error: unknown,
  ): error is InstanceType<Class> {
    if (typeof error !== 'object' || error === null) return false;
    const mark = (error as Record<symbol, unknown>)[holomindErrorMarker];
    if (typeof mark !== 'string') return false;
    return this.errorName === HoloMindError.errorName || mark === this.errorName;
  }
}
