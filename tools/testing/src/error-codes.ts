import assert from 'node:assert/strict';

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
  // node:assert rather than vitest's expect: this module is in the package index, which benches import
  // outside the vitest runner (where importing vitest throws); vitest reports an AssertionError the same way.
  assert.ok(errorClass.isInstance(error), `expected a ${errorClass.name} ${code}, got ${String(error)}`);
  assert.equal((error as Instance).code, code);
  return error as Instance;
}
