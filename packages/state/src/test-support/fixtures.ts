import { SeededRandom } from '@holomind/core';
import type { NamedArray } from '../tensors.js';

/** Float32 values whose bit patterns are random finite floats (exercises every mantissa bit). */
export function seededFloat32(count: number, seed: number): Float32Array {
  const values = new Float32Array(count);
  const random = new SeededRandom(seed);
  for (let i = 0; i < count; i++) values[i] = (random.next() - 0.5) * 2 ** ((i % 40) - 20);
  return values;
}

/** Int32 values over the whole range. */
export function seededInt32(count: number, seed: number): Int32Array {
  const values = new Int32Array(count);
  const random = new SeededRandom(seed);
  // next() is a uint32 / 2^32 exactly, so this is the generator's raw 32 bits as a signed integer.
  for (let i = 0; i < count; i++) values[i] = (random.next() * 2 ** 32) | 0;
  return values;
}

const kernelLength = 256 * 512;
let pool: Float32Array | undefined;
let frozen: Float32Array | undefined;

/** A distinct window of a fixed random pool: cheap to make, so the crash-test child spends its time saving. */
function window(seed: number): Float32Array {
  pool ??= seededFloat32(kernelLength * 2, 99);
  const offset = (Math.imul(seed, 2654435761) >>> 0) % kernelLength;
  return pool.slice(offset, offset + kernelLength);
}

/**
 * The state the crash-test child saves at iteration `iteration` of run `run`: one tensor that
 * never changes (shared content), one that changes every save, one int tensor, and one that
 * repeats the kernel every third save (content repeated inside one file). About 1.3 MiB.
 */
export function crashTestState(run: number, iteration: number): Record<string, NamedArray | number[]> {
  const seed = run * 100_003 + iteration;
  const kernel = window(seed);
  frozen ??= seededFloat32(64 * 1024, 7);
  return {
    'frozen/embedding': { data: frozen, shape: [64, 1024] },
    'layer/kernel': { data: kernel, shape: [256, 512] },
    'layer/bias': { data: seededInt32(512, seed + 1), shape: [512] },
    'ewc/fisher': iteration % 3 === 0 ? { data: kernel, shape: [256, 512] } : { data: window(seed + 50_000), shape: [256, 512] },
    seed: [run, iteration],
  };
}
