import { DataError } from './errors.js';

/** A seeded uniform generator of numbers in [0, 1). */
export type Random = () => number;

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

/** mulberry32: small, fast, and plenty for shuffles and augmentation noise (not for cryptography). */
export function createRandom(seed: number): Random {
  let state = deriveSeed(seed);
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Uniform integer in [0, bound). */
export function randomInt(random: Random, bound: number): number {
  return Math.floor(random() * bound);
}

/** Standard normal sample (Box-Muller; one of the pair is discarded to stay stateless). */
export function randomNormal(random: Random): number {
  const u = 1 - random(); // (0, 1]: log(0) would be -Infinity
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * random());
}

/** Fisher-Yates shuffle in place. */
export function shuffleInPlace<Values extends { length: number; [index: number]: unknown }>(
  values: Values,
  random: Random,
): Values {
  for (let i = values.length - 1; i > 0; i--) {
    const j = randomInt(random, i + 1);
    const swap = values[i]!;
    values[i] = values[j]!;
    values[j] = swap;
  }
  return values;
}

/** 0..n-1 in a seeded random order. */
export function shuffledIndices(count: number, random: Random): Int32Array {
  const indices = new Int32Array(count);
  for (let i = 0; i < count; i++) indices[i] = i;
  return shuffleInPlace(indices, random);
}
