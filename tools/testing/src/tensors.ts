import { SeededRandom } from '@holomind/core';
import * as tf from '@tensorflow/tfjs-core';

/**
 * Runs `work` and returns how many tensors it left alive. Callers assert 0: every temporary must
 * be disposed. Results the caller owns must be disposed inside `work`.
 */
export async function tensorsLeakedBy(work: () => unknown | Promise<unknown>): Promise<number> {
  const before = tf.memory().numTensors;
  await work();
  return tf.memory().numTensors - before;
}

/** Largest |a - b| / max(|b|, floor) over two equally long arrays; `floor` keeps near-zeros sane. */
export function maxRelativeDifference(actual: ArrayLike<number>, expected: ArrayLike<number>, floor = 1e-6): number {
  if (actual.length !== expected.length) {
    throw new Error(`Length mismatch: actual ${actual.length}, expected ${expected.length}`);
  }
  let worst = 0;
  for (let i = 0; i < actual.length; i++) {
    const scale = Math.max(Math.abs(expected[i]!), floor);
    worst = Math.max(worst, Math.abs(actual[i]! - expected[i]!) / scale);
  }
  return worst;
}

/** Largest |a - b| over two equally long arrays. */
export function maxAbsoluteDifference(actual: ArrayLike<number>, expected: ArrayLike<number>): number {
  if (actual.length !== expected.length) {
    throw new Error(`Length mismatch: actual ${actual.length}, expected ${expected.length}`);
  }
  let worst = 0;
  for (let i = 0; i < actual.length; i++) worst = Math.max(worst, Math.abs(actual[i]! - expected[i]!));
  return worst;
}

/** Deterministic uniform values in [-1, 1) from a 32-bit seed (core's mulberry32), for reproducible tests. */
export function seededValues(count: number, seed: number): Float32Array {
  return new SeededRandom(seed).uniform(count, 1);
}
