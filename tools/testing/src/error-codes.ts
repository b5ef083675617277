import { expect } from 'vitest';

/** An error class with a stable `code` and a cross-install `isInstance` (every HoloMind error class). */
export interface CodedErrorClass<Instance extends { code: string }> {
  readonly name: string;
  isInstance(error: unknown): error is Instance;
}

/**
 * Awaits `promise`, asserts it rejects with an instance of `errorClass` carrying `code`, and returns
 * the error for further checks on its message.
 *
 * @example
 * await expectErrorCode(experiments.get('missing'), DatabaseError, 'NOT_FOUND');
 */
export async function expectErrorCode<Instance extends { code: string }>(
  promise: Promise<unknown>,
  errorClass: CodedErrorClass<Instance>,
  code: Instance['code'],
): Promise<Instance> {
  const error = await promise.then(
    () => undefined,
    (caught: unknown) => caught,
  );
  expect(errorClass.isInstance(error), `expected a ${errorClass.name} ${code}, got ${String(error)}`).toBe(true);
  expect((error as Instance).code).toBe(code);
  return error as Instance;
}
