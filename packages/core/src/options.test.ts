import { describe, expect, it } from 'vitest';
import { HoloMindError } from './errors.js';
import { optionValidators } from './options.js';

class OptionError extends HoloMindError<'INVALID_OPTION'> {
  static override readonly errorName = 'OptionError';
}
const check = optionValidators((message) => new OptionError('INVALID_OPTION', message));

function messageOf(run: () => unknown): string {
  try {
    run();
  } catch (error) {
    expect(OptionError.isInstance(error)).toBe(true);
    return (error as Error).message;
  }
  throw new Error('expected a throw');
}

describe('optionValidators', () => {
  it('returns valid values unchanged', () => {
    expect(check.positiveInteger('slots', 4)).toBe(4);
    expect(check.nonNegativeInteger('warmup', 0)).toBe(0);
    expect(check.finiteNumber('shift', -2.5)).toBe(-2.5);
    expect(check.nonNegativeNumber('lambda', 0)).toBe(0);
    expect(check.positiveNumber('lr', 1e-3)).toBe(1e-3);
    expect(check.numberInRange('rate', 0.5, 0, 1, true)).toBe(0.5);
    expect(check.oneOf('mode', 'online', ['separate', 'online'])).toBe('online');
    expect(check.positiveIntegers('hidden', [400, 400])).toEqual([400, 400]);
  });

  it('names the option and the offending value', () => {
    expect(messageOf(() => check.positiveInteger('slots', 0))).toBe('slots must be an integer >= 1, got 0.');
    expect(messageOf(() => check.positiveInteger('slots', 2.5))).toContain('got 2.5');
    expect(messageOf(() => check.positiveInteger('slots', '4'))).toContain('got "4"');
    expect(messageOf(() => check.nonNegativeInteger('warmup', -1))).toContain('warmup must be an integer >= 0');
    expect(messageOf(() => check.finiteNumber('shift', Number.NaN))).toContain('got NaN');
    expect(messageOf(() => check.nonNegativeNumber('lambda', Infinity))).toContain('got Infinity');
    expect(messageOf(() => check.positiveNumber('lr', 0))).toContain('lr must be a finite number > 0');
    expect(messageOf(() => check.numberInRange('rate', 1, 0, 1, true))).toBe('rate must be in [0, 1), got 1.');
    expect(messageOf(() => check.numberInRange('rate', 1.5, 0, 1))).toBe('rate must be in [0, 1], got 1.5.');
    expect(messageOf(() => check.oneOf('mode', 'both', ['separate', 'online']))).toBe(
      "mode must be one of 'separate', 'online', got \"both\".",
    );
    expect(messageOf(() => check.positiveIntegers('hidden', []))).toContain('non-empty array');
    expect(messageOf(() => check.positiveIntegers('hidden', [4, -1]))).toContain('[4,-1]');
  });
});
