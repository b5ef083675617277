import { optionValidators } from '@holomind/core';
import { NetworkError } from './errors.js';

/** Core's option validators, throwing `NetworkError('INVALID_OPTION')`. */
export const validate = optionValidators((message) => new NetworkError('INVALID_OPTION', message));

/** Hidden-layer widths (integers >= 1); unlike core's `positiveIntegers`, an empty list is allowed, as it always was. */
export function layerWidths(name: string, value: unknown): number[] {
  return Array.isArray(value) && value.length === 0 ? [] : validate.positiveIntegers(name, value);
}

/** A dropout rate in [0, 1): a rate of 1 would drop every activation. */
export function dropoutRate(name: string, rate: unknown): number {
  return validate.numberInRange(name, rate, 0, 1, true);
}
