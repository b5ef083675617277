// The fused WebGPU kernels of @holomind/tensor-kernels run in the page itself, with the browser's own
// WebGPU: `window.runKernelChecks()` returns seeded inputs and the fused outputs, which the browser
// test compares with a float64 reference computed outside the browser.
import '@tensorflow/tfjs-backend-webgpu';
import * as tf from '@tensorflow/tfjs-core';
import { SeededRandom } from '@holomind/core';
import { fisherDiagonal, memoryAttention, type Similarity } from '@holomind/tensor-kernels';

/** One attention case: inputs and the fused kernel's output, all row-major. */
export interface AttentionCheck {
  similarity: Similarity;
  shape: { batch: number; heads: number; keyDim: number; slots: number; valueDim: number };
  query: number[];
  keys: number[];
  values: number[];
  mask: number[];
  output: number[];
  weights: number[];
}

/** One Fisher case: X [samples, in], G [samples, out] and the fused kernel's outputs. */
export interface FisherCheck {
  samples: number;
  inputSize: number;
  outputSize: number;
  inputs: number[];
  gradients: number[];
  kernel: number[];
  bias: number[];
}

/** What `runKernelChecks` returns. */
export interface KernelChecks {
  backend: string;
  adapter: { vendor: string; architecture: string };
  attention: AttentionCheck[];
  fisher: FisherCheck;
}

function values(random: SeededRandom, count: number): number[] {
  return Array.from({ length: count }, () => random.next() * 2 - 1);
}

async function attentionCheck(random: SeededRandom, similarity: Similarity): Promise<AttentionCheck> {
  const shape = { batch: 3, heads: 2, keyDim: 16, slots: 40, valueDim: 12 };
  const query = values(random, shape.batch * shape.heads * shape.keyDim);
  const keys = values(random, shape.slots * shape.heads * shape.keyDim);
  const valuesIn = values(random, shape.slots * shape.heads * shape.valueDim);
  // Slots 0, 7, 14, ... empty: the masked softmax must ignore them.
  const mask = Array.from({ length: shape.slots }, (_, slot) => (slot % 7 === 0 ? 0 : 1));
  const tensors = [
    tf.tensor3d(query, [shape.batch, shape.heads, shape.keyDim]),
    tf.tensor3d(keys, [shape.slots, shape.heads, shape.keyDim]),
    tf.tensor3d(valuesIn, [shape.slots, shape.heads, shape.valueDim]),
    tf.tensor1d(mask),
  ] as const;
  const result = memoryAttention(tensors[0], tensors[1], tensors[2], {
    similarity,
    beta: 3,
    mask: tensors[3],
    returnWeights: true,
    implementation: 'fused',
  });
  const check = {
    similarity,
    shape,
    query,
    keys,
    values: valuesIn,
    mask,
    output: Array.from(await result.output.data()),
    weights: Array.from(await result.weights!.data()),
  };
  tf.dispose([...tensors, result.output, result.weights!]);
  return check;
}

async function fisherCheck(random: SeededRandom): Promise<FisherCheck> {
  const [samples, inputSize, outputSize] = [37, 50, 21];
  const inputs = values(random, samples * inputSize);
  const gradients = values(random, samples * outputSize);
  const x = tf.tensor2d(inputs, [samples, inputSize]);
  const g = tf.tensor2d(gradients, [samples, outputSize]);
  const fisher = fisherDiagonal(x, g, { implementation: 'fused' });
  const check = {
    samples,
    inputSize,
    outputSize,
    inputs,
    gradients,
    kernel: Array.from(await fisher.kernel.data()),
    bias: Array.from(await fisher.bias.data()),
  };
  tf.dispose([x, g, fisher.kernel, fisher.bias]);
  return check;
}

async function runKernelChecks(): Promise<KernelChecks> {
  const adapter = await navigator.gpu.requestAdapter();
  if (!adapter) throw new Error('navigator.gpu.requestAdapter() returned null: this browser offers no WebGPU adapter.');
  if (!(await tf.setBackend('webgpu'))) throw new Error('TensorFlow.js could not start its webgpu backend.');
  await tf.ready();
  const random = new SeededRandom(7);
  const checks: KernelChecks = {
    backend: tf.getBackend(),
    adapter: { vendor: adapter.info.vendor, architecture: adapter.info.architecture },
    attention: [await attentionCheck(random, 'dot'), await attentionCheck(random, 'cosine')],
    fisher: await fisherCheck(random),
  };
  document.getElementById('result')!.textContent =
    `ran on ${checks.backend} (${checks.adapter.vendor} ${checks.adapter.architecture})`;
  return checks;
}

(window as unknown as { runKernelChecks: typeof runKernelChecks }).runKernelChecks = runKernelChecks;
