import { describeValue, optionValidators, type OptionValidators } from '@holomind/core';
import { DataError } from './errors.js';

type ExtraArguments<Check> = Check extends (name: string, value: unknown, ...rest: infer Rest) => unknown ? Rest : never;

/**
 * Runs one of core's option validators on `value`; a failure is a DataError INVALID_ARGUMENT whose
 * `key` is the option's name, so callers can point at it.
 */
export function checkOption<Check extends keyof OptionValidators>(
  check: Check,
  key: string,
  value: unknown,
  ...rest: ExtraArguments<OptionValidators[Check]>
): ReturnType<OptionValidators[Check]> {
  const validators = optionValidators((message) => new DataError('INVALID_ARGUMENT', message, { key }));
  const validate = validators[check] as (name: string, value: unknown, ...rest: unknown[]) => ReturnType<OptionValidators[Check]>;
  return validate(key, value, ...rest);
}

/** A share strictly between 0 and 1 (core's ranges are closed at 0), e.g. a test or validation fraction. */
export function checkFraction(key: string, value: unknown): number {
  if (typeof value !== 'number' || !(value > 0 && value < 1)) {
    throw new DataError('INVALID_ARGUMENT', `${key} must be a number in (0, 1), got ${describeValue(value)}.`, { key });
  }
  return value;
}
