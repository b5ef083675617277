import { describe, expect, it } from 'vitest';
import { HoloMindError } from './errors.js';

type FirstCode = 'BAD' | 'WORSE';
class FirstError extends HoloMindError<FirstCode> {
  static override readonly errorName = 'FirstError';
}
class SecondError extends HoloMindError<'OTHER'> {
  static override readonly errorName = 'SecondError';
}

describe('HoloMindError', () => {
  it('carries a stable code, the subclass name, the message and the cause', () => {
    const cause = new Error('root');
    const error = new FirstError('BAD', 'Expected 3, got 4; pass 3.', { cause });
    expect(error.code).toBe('BAD');
    expect(error.name).toBe('FirstError');
    expect(error.message).toBe('Expected 3, got 4; pass 3.');
    expect(error.cause).toBe(cause);
    expect(error).toBeInstanceOf(Error);
    expect(String(error)).toBe('FirstError: Expected 3, got 4; pass 3.');
  });

  it('isInstance tells the classes apart and recognises any HoloMind error on the base', () => {
    const first = new FirstError('WORSE', 'x');
    const second = new SecondError('OTHER', 'y');
    expect(FirstError.isInstance(first)).toBe(true);
    expect(FirstError.isInstance(second)).toBe(false);
    expect(SecondError.isInstance(second)).toBe(true);
    expect(HoloMindError.isInstance(first)).toBe(true);
    expect(HoloMindError.isInstance(new Error('plain'))).toBe(false);
    expect(HoloMindError.isInstance(null)).toBe(false);
    expect(HoloMindError.isInstance('FirstError')).toBe(false);
  });

  it('isInstance works across copies of the class (a duplicated install)', () => {
    // A second copy of the package defines its own class with the same name: instanceof fails, isInstance holds.
    class FirstErrorFromAnotherCopy extends HoloMindError<FirstCode> {
      static override readonly errorName = 'FirstError';
    }
    const error = new FirstErrorFromAnotherCopy('BAD', 'x');
    expect(error instanceof FirstError).toBe(false);
    expect(FirstError.isInstance(error)).toBe(true);
  });
});
