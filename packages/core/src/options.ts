import { describeValue } from './describe-value.js';

/** Makes the error a validator throws; each package passes its own class and code. */
export type InvalidOptionError = (message: string) => Error;

/**
 * Option validators that throw the caller's own error. Every check takes the option's name first
 * and the value second, and the message names both.
 *
 * @example
 * ```ts
 * const check = optionValidators((message) => new MemoryError('INVALID_OPTION', message));
 * const slots = check.positiveInteger('slots', options.slots);
 * ```
 */
export function optionValidators(invalid: InvalidOptionError) {
  return {
    /** An integer >= 1. */
    positiveInteger(name: string, value: unknown): number {
      if (typeof value !== 'number' || !Number.isInteger(value) || value < 1) {
        throw invalid(`${name} must be an integer >= 1, got ${describeValue(value)}.`);
      }
      return value;
    },
    /** An integer >= 0. */
    nonNegativeInteger(name: string, value: unknown): number {
      if (typeof value !== 'number' || !Number.isInteger(value) || value < 0) {
        throw invalid(`${name} must be an integer >= 0, got ${describeValue(value)}.`);
      }
      return value;
    },
    /** A finite number (no NaN, no Infinity). */
    finiteNumber(name: string, value: unknown): number {
      if (typeof value !== 'number' || !Number.isFinite(value)) {
        throw invalid(`${name} must be a finite number, got ${describeValue(value)}.`);
      }
      return value;
    },
    /** A finite number >= 0. */
    nonNegativeNumber(name: string, value: unknown): number {
      if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) {
        throw invalid(`${name} must be a finite number >= 0, got ${describeValue(value)}.`);
      }
      return value;
    },
    /** A finite number > 0. */
    positiveNumber(name: string, value: unknown): number {
      if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0) {
        throw invalid(`${name} must be a finite number > 0, got ${describeValue(value)}.`);
      }
      return value;
    },
    /** A number in [min, max) when `maxExclusive`, else [min, max]. */
    numberInRange(name: string, value: unknown, min: number, max: number, maxExclusive = false): number {
      const inside = typeof value === 'number' && value >= min && (maxExclusive ? value < max : value <= max);
      if (!inside) {
        throw invalid(`${name} must be in [${min}, ${max}${maxExclusive ? ')' : ']'}, got ${describeValue(value)}.`);
      }
      return value as number;
    },
    /** One of a closed list of strings. */
    oneOf<const Allowed extends string>(name: string, value: unknown, allowed: readonly Allowed[]): Allowed {
      if (typeof value !== 'string' || !allowed.includes(value as Allowed)) {
        throw invalid(`${name} must be one of ${allowed.map((item) => `'${item}'`).join(', ')}, got ${describeValue(value)}.`);
      }
      return value as Allowed;
    },
    /** A non-empty array of integers >= 1. */
    positiveIntegers(name: string, value: unknown): number[] {
      if (!Array.isArray(value) || value.length === 0 || !value.every((item) => Number.isInteger(item) && item > 0)) {
        throw invalid(`${name} must be a non-empty array of integers >= 1, got ${describeValue(value)}.`);
      }
      return [...(value as number[])];
    },
  };
}

/** The validators {@link optionValidators} returns. */
export type OptionValidators = ReturnType<typeof optionValidators>;
