import { DatabaseError } from './errors.js';

/** A value that survives `JSON.stringify` / `JSON.parse` unchanged. */
export type JsonValue = null | boolean | number | string | JsonValue[] | { [key: string]: JsonValue };

/** A JSON object, as stored in hyperparameter, environment and document columns. */
export type JsonObject = { [key: string]: JsonValue };

/** Throws unless `value` is a plain JSON object whose numbers are finite (JSON has no NaN). */
export function requireJsonObject(value: unknown, what: string): JsonObject {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new DatabaseError('INVALID_ARGUMENT', `${what} must be a plain object, got ${describe(value)}.`);
  }
  requireJson(value, what);
  return value as JsonObject;
}

function requireJson(value: unknown, path: string): void {
  if (value === null || typeof value === 'string' || typeof value === 'boolean') return;
  if (typeof value === 'number') {
    if (!Number.isFinite(value))
      throw new DatabaseError(
        'INVALID_ARGUMENT',
        `${path} is ${value}; JSON cannot store NaN or Infinity, store null or a string instead.`,
      );
    return;
  }
  if (Array.isArray(value)) {
    value.forEach((item, index) => requireJson(item, `${path}[${index}]`));
    return;
  }
  if (typeof value === 'object' && Object.getPrototypeOf(value) === Object.prototype) {
    for (const [key, item] of Object.entries(value)) requireJson(item, `${path}.${key}`);
    return;
  }
  throw new DatabaseError(
    'INVALID_ARGUMENT',
    `${path} is ${describe(value)}, which JSON cannot store; convert it to numbers, strings, arrays or plain objects.`,
  );
}

/** A short description of a value for error messages. */
export function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return `an array of length ${value.length}`;
  if (typeof value === 'object') return `an instance of ${value.constructor?.name ?? 'Object'}`;
  if (typeof value === 'string') return JSON.stringify(value.length > 60 ? `${value.slice(0, 60)}...` : value);
  return `${typeof value} ${String(value)}`;
}

/** Throws unless `value` is a non-empty string of at most `maxLength` characters without NUL. */
export function requireName(value: unknown, what: string, maxLength = 200): string {
  if (typeof value !== 'string' || value.length === 0 || value.length > maxLength || value.includes('\0')) {
    throw new DatabaseError(
      'INVALID_ARGUMENT',
      `${what} must be a non-empty string of at most ${maxLength} characters without NUL, got ${describe(value)}.`,
    );
  }
  return value;
}

/** Throws unless `value` is a non-negative safe integer. */
export function requireIndex(value: unknown, what: string): number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 0 || value > 2 ** 31 - 1) {
    throw new DatabaseError('INVALID_ARGUMENT', `${what} must be an integer in [0, 2^31), got ${describe(value)}.`);
  }
  return value;
}
