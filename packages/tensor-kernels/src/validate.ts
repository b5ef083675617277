import type * as tf from '@tensorflow/tfjs-core';
import { optionValidators } from '@holomind/core';
import { TensorKernelsError } from './errors.js';

/** Throws INVALID_ARGUMENT unless `tensor` is float32 of the given rank; `expected` describes the shape. */
export function expectFloat32(name: string, tensor: tf.Tensor, rank: number, expected: string): void {
  if (tensor.rank !== rank) {
    throw new TensorKernelsError(
      'INVALID_ARGUMENT',
      `${name} must have shape ${expected}, got [${tensor.shape.join(', ')}]; reshape it to rank ${rank}.`,
    );
  }
  if (tensor.dtype !== 'float32') {
    throw new TensorKernelsError(
      'INVALID_ARGUMENT',
      `${name} must be float32, got ${tensor.dtype}; convert it with tf.cast(${name}, 'float32').`,
    );
  }
}

/** Throws INVALID_ARGUMENT with a message naming both values when they differ. */
export function expectEqual(what: string, actual: number, expected: number, fix: string): void {
  if (actual !== expected) {
    throw new TensorKernelsError('INVALID_ARGUMENT', `${what}: got ${actual}, expected ${expected}; ${fix}.`);
  }
}

/** Option checks that throw INVALID_ARGUMENT naming the option and the value. */
export const checkArgument = optionValidators((message) => new TensorKernelsError('INVALID_ARGUMENT', message));
