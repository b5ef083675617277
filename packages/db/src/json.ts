import { describeValue, findJsonProblem, type JsonObject } from '@holomind/core';
import { DatabaseError } from './errors.js';

/** Throws unless `value` is a plain JSON object whose numbers are finite (JSON has no NaN). */
export function requireJsonObject(value: unknown, what: string): JsonObject {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new DatabaseError('INVALID_ARGUMENT', `${what} must be a plain object, got ${describeValue(value)}.`);
  }
  const problem = findJsonProblem(value, what);
  if (problem?.reason === 'non-finite-number') {
    throw new DatabaseError(
      'INVALID_ARGUMENT',
      `${problem.path} is ${describeValue(problem.value)}; JSON cannot store NaN or Infinity, store null or a string instead.`,
    );
  }
  if (problem) {
    throw new DatabaseError(
      'INVALID_ARGUMENT',
      `${problem.path} is ${describeValue(problem.value)}, which JSON cannot store; convert it to numbers, strings, arrays or plain objects.`,
    );
  }
  return value as JsonObject;
}

/** Throws unless `value` is a non-empty string of at most `maxLength` characters without NUL. */
export function requireName(value: unknown, what: string, maxLength = 200): string {
  if (typeof value !== 'string' || value.length === 0 || value.length > maxLength || value.includes('\0')) {
    throw new DatabaseError(
      'INVALID_ARGUMENT',
      `${what} must be a non-empty string of at most ${maxLength} characters without NUL, got ${describeValue(value)}.`,
    );
  }
  return value;
}

/** Throws unless `value` is a non-negative safe integer below 2^31 (an SQL `integer`). */
export function requireIndex(value: unknown, what: string): number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 0 || value > 2 ** 31 - 1) {
    throw new DatabaseError('INVALID_ARGUMENT', `${what} must be an integer in [0, 2^31), got ${describeValue(value)}.`);
  }
  return value;
}
