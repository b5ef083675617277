import * as tf from '@tensorflow/tfjs-core';
import type { KernelImplementation } from './attention/memory-attention-options.js';
import { TensorKernelsError } from './errors.js';
import { checkArgument } from './validate.js';

const IMPLEMENTATIONS: readonly KernelImplementation[] = ['auto', 'fused', 'composite'];

/**
 * Picks the fused WebGPU kernel or composite ops for one call. `auto` fuses when the current
 * backend is webgpu and `whyNotFused()` finds no obstacle; `fused` throws FUSED_KERNEL_UNAVAILABLE
 * with the reason instead of falling back.
 */
export function chooseImplementation(
  requested: KernelImplementation | undefined,
  operation: string,
  whyNotFused: () => string | undefined,
): 'fused' | 'composite' {
  const implementation = checkArgument.oneOf('implementation', requested ?? 'auto', IMPLEMENTATIONS);
  if (implementation === 'composite') return 'composite';
  const backend = tf.getBackend();
  const reason =
    backend === 'webgpu' ? whyNotFused() : `the current backend is '${backend}' and fused kernels exist only for 'webgpu'`;
  if (reason === undefined) return 'fused';
  if (implementation === 'fused') {
    throw new TensorKernelsError(
      'FUSED_KERNEL_UNAVAILABLE',
      `${operation} with implementation 'fused' cannot run: ${reason}. Use implementation 'auto' ` +
        `(composite ops where no fused kernel runs) or start WebGPU with initBackend({ backends: 'webgpu' }).`,
    );
  }
  return 'composite';
}
