/** A value that survives `JSON.stringify` / `JSON.parse` unchanged. */
export type JsonValue = null | boolean | number | string | JsonValue[] | { [key: string]: JsonValue };

/** A JSON object, as stored in hyperparameter, environment and document columns. */
export type JsonObject = { [key: string]: JsonValue };

/** Why a value is not JSON: where (`path`, e.g. `config.layers[2]`) and what it holds instead. */
export interface JsonProblem {
  path: string;
  reason: 'non-finite-number' | 'not-json';
  value: unknown;
}

/**
 * The first place where `value` stops being JSON that round-trips unchanged (NaN, Infinity, class
 * instances, functions, undefined), or `undefined` when it is all JSON. Callers turn the problem
 * into their own error with the fix that fits them.
 */
export function findJsonProblem(value: unknown, path: string): JsonProblem | undefined {
  if (value === null || typeof value === 'string' || typeof value === 'boolean') return undefined;
  if (typeof value === 'number') return Number.isFinite(value) ? undefined : { path, reason: 'non-finite-number', value };
  if (Array.isArray(value)) {
    for (let index = 0; index < value.length; index++) {
      const problem = findJsonProblem(value[index], `${path}[${index}]`);
      if (problem) return problem;
    }
    return undefined;
  }
  if (typeof value === 'object' && Object.getPrototypeOf(value) === Object.prototype) {
    for (const [key, item] of Object.entries(value)) {
      const problem = findJsonProblem(item, `${path}.${key}`);
      if (problem) return problem;
    }
    return undefined;
  }
  return { path, reason: 'not-json', value };
}
