import { SeededRandom } from '@holomind/core';
import { DataError } from './errors.js';

// splitmix32 finaliser: spreads nearby seeds (0, 1, 2...) over the whole 32-bit state space.
function mix32(value: number): number {
  let z = (value + 0x9e3779b9) >>> 0;
  z = Math.imul(z ^ (z >>> 16), 0x85ebca6b) >>> 0;
  z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35) >>> 0;
  return (z ^ (z >>> 16)) >>> 0;
}

function hashString(text: string): number {
  let hash = 0x811c9dc5; // FNV-1a
  for (let i = 0; i < text.length; i++) hash = Math.imul(hash ^ text.charCodeAt(i), 0x01000193) >>> 0;
  return hash;
}

/** Throws unless `seed` is a safe integer; `key` names the option in the message. */
export function assertSeed(seed: unknown, key = 'seed'): asserts seed is number {
  if (typeof seed !== 'number' || !Number.isSafeInteger(seed)) {
    throw new DataError('INVALID_ARGUMENT', `${key} must be an integer, got ${String(seed)}. Pass e.g. { ${key}: 42 }.`, { key });
  }
}

/**
 * A seed for an independent stream derived from `seed` and a path of labels, so that e.g. the
 * class order and task 3's sample order do not share random numbers and adding a task does not
 * change the earlier ones.
 */
export function deriveSeed(seed: number, ...path: Array<string | number>): number {
  // Safe integers up to 2^53: fold the high bits in rather than dropping them.
  let state = mix32((seed >>> 0) ^ mix32(Math.floor(seed / 4294967296) >>> 0));
  for (const part of path) state = mix32(state ^ (typeof part === 'number' ? mix32(part >>> 0) : hashString(part)));
  return state;
}

/**
 * The generator of one named stream (core's mulberry32). The state is mixed once more after
 * {@link deriveSeed}, as 0.1.0 did, so every seed still gives the same benchmarks, splits, batch
 * orders and augmentations (src/seeded-streams.test.ts pins them).
 */
export function randomStream(seed: number, ...path: Array<string | number>): SeededRandom {
  return new SeededRandom(deriveSeed(deriveSeed(seed, ...path)));
}
