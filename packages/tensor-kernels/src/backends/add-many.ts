import * as tf from '@tensorflow/tfjs-core';

// What tfjs-backend-webgpu's device allows when it cannot be asked: WebGPU's default limit.
const DEFAULT_STORAGE_BUFFERS = 8;

/**
 * `tf.addN` over any number of same-shaped tensors. tfjs-backend-webgpu 4.22 compiles AddN with one
 * storage buffer per input, never splits it, and requests WebGPU's default limit of 8 storage
 * buffers per shader stage (the output included): an addN of 8 or more tensors fails pipeline
 * validation and returns garbage without an error (measured on Dawn: eight scalars 1..8 summed to
 * 28). On WebGPU the inputs are therefore summed in groups that fit; elsewhere this is `tf.addN`
 * itself, so wasm and cpu results stay bit for bit what they were.
 */
export function addMany<T extends tf.Tensor>(tensors: readonly T[]): T {
  if (tensors.length === 0) throw new Error('addMany needs at least one tensor.');
  const group = webGpuInputLimit();
  if (tensors.length === 1) return tf.clone(tensors[0]!);
  if (group === undefined || tensors.length <= group) return tf.addN(tensors as T[]);
  return tf.tidy(() => {
    let terms: T[] = [...tensors];
    while (terms.length > group) {
      const sums: T[] = [];
      for (let start = 0; start < terms.length; start += group) {
        const slice = terms.slice(start, start + group);
        sums.push(slice.length === 1 ? slice[0]! : tf.addN(slice));
      }
      terms = sums;
    }
    return terms.length === 1 ? terms[0]! : tf.addN(terms);
  });
}

// Inputs one AddN may take on the active WebGPU device (one buffer goes to the output), or
// undefined off WebGPU.
function webGpuInputLimit(): number | undefined {
  if (tf.getBackend() !== 'webgpu') return undefined;
  const device = (tf.backend() as { device?: { limits?: { maxStorageBuffersPerShaderStage?: number } } }).device;
  return (device?.limits?.maxStorageBuffersPerShaderStage ?? DEFAULT_STORAGE_BUFFERS) - 1;
}
