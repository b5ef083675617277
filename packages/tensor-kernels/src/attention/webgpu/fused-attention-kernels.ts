import * as tf from '@tensorflow/tfjs-core';
import type { GradConfig, KernelConfig, NamedAttrMap, NamedTensorInfoMap, TensorInfo } from '@tensorflow/tfjs-core';
import {
  float32,
  int32,
  runProgramAsTensor,
  webgpuBackend,
  type ProgramUniform,
  type WebGPUBackendLike,
} from '../../webgpu/webgpu-program.js';
import { SumPartsProgram, UnpackProgram, unpackUniforms } from '../../webgpu/flat-programs.js';
import { tileStagingFor } from '../../webgpu/staging.js';
import { vectorizable } from '../../webgpu/wgsl-snippets.js';
import { AttentionBackwardProgram, backwardLayout } from './attention-backward-program.js';
import { ChunkProductProgram, ChunkScoresProgram, chunkSlots } from './chunked-backward-programs.js';
import { AttentionNormalizeProgram, ChunkSoftmaxProgram } from './chunked-forward-programs.js';
import { AttentionCombineProgram } from './attention-combine-program.js';
import { AttentionForwardProgram } from './attention-forward-program.js';
import { planAttention, type AttentionPlan } from './attention-plan.js';
import { AttentionWeightsProgram } from './attention-weights-program.js';
import type { AttentionSizes } from '../validate-attention.js';

/**
 * Kernel: inputs { query [B,H,d], keys [M,H,d], values [M,H,dv], mask [M] }, attrs { scale },
 * outputs [output [B,H,dv], logSumExp [B,H]]. Scores are scale * q.k; cosine similarity is
 * handled by the caller normalising q and k first.
 */
export const FUSED_ATTENTION = 'HolomindFusedAttention';

/**
 * Kernel: inputs { query, keys, mask, logSumExp } as above, attrs { scale }, output the weights
 * [B,H,M] = softmax over the filled slots, recomputed from the forward's logSumExp.
 */
export const ATTENTION_WEIGHTS = 'HolomindAttentionWeights';

function sizesOf(query: TensorInfo, values: TensorInfo): AttentionSizes {
  const [batch, heads, keyDim] = query.shape as [number, number, number];
  const [slots, , valueDim] = values.shape as [number, number, number];
  return { batch, heads, keyDim, valueDim, slots };
}

function planOrThrow(backend: WebGPUBackendLike, sizes: AttentionSizes): AttentionPlan {
  const plan = planAttention(backend, sizes);
  // memoryAttention only dispatches here after planning succeeded with the same sizes.
  if (!plan) throw new Error(`${FUSED_ATTENTION}: no tiling fits d=${sizes.keyDim}, dv=${sizes.valueDim}`);
  return plan;
}

// FlashAttention-2 forward with tiles in workgroup memory: slots split across workgroups, merged.
function tiledForward(backend: WebGPUBackendLike, inputs: TensorInfo[], sizes: AttentionSizes, scale: number): TensorInfo[] {
  const plan = planOrThrow(backend, sizes);
  const { batch, heads, valueDim, slots } = sizes;
  const { splits, slotsPerSplit } = plan;
  const partial = backend.runWebGPUProgram(
    new AttentionForwardProgram({ ...sizes, splits, slotsPerSplit }, plan.forwardTiles),
    inputs,
    'float32',
    [int32(batch), int32(heads), int32(slots), int32(slotsPerSplit), float32(scale), int32(sizes.keyDim), int32(valueDim)],
  );
  const combineUniforms = [int32(splits), int32(batch * heads), int32(valueDim)];
  const results = (['output', 'logSumExp'] as const).map((target) =>
    backend.runWebGPUProgram(new AttentionCombineProgram(target, batch, heads, valueDim), [partial], 'float32', combineUniforms),
  );
  backend.disposeData(partial.dataId);
  return results;
}

/** The uniforms every chunked program starts with: batch, heads, slots, chunkStart, chunk. */
function chunkUniforms(sizes: AttentionSizes, start: number, chunk: number): ProgramUniform[] {
  return [int32(sizes.batch), int32(sizes.heads), int32(sizes.slots), int32(start), int32(chunk)];
}

// The forward as barrier-free passes over chunks of slots (software adapters; see TileStaging):
// per chunk, the probabilities against the running max and the running statistics, then the
// output accumulated so far is rescaled and P V added; finally divided by the running sum.
function chunkedForward(backend: WebGPUBackendLike, inputs: TensorInfo[], sizes: AttentionSizes, scale: number): TensorInfo[] {
  const [query, keys, values, mask] = inputs as [TensorInfo, TensorInfo, TensorInfo, TensorInfo];
  const { batch, heads, keyDim, valueDim, slots } = sizes;
  const vectorized = vectorizable(keyDim, valueDim);
  const chunk = chunkSlots(batch * heads, slots);
  const accumulated = backend.makeTensorInfo([batch, heads, valueDim], 'float32');
  let statistics = backend.makeTensorInfo([4], 'float32', new Float32Array(4)); // unread by the first chunk
  for (let start = 0; start < slots; start += chunk) {
    const next = backend.runWebGPUProgram(
      new ChunkSoftmaxProgram(batch, heads, chunk, vectorized),
      [query, keys, mask, statistics],
      'float32',
      [
        ...chunkUniforms(sizes, start, chunk),
        float32(scale),
        int32(keyDim),
        int32(Math.ceil(keyDim / 4)),
        int32(start === 0 ? 1 : 0),
      ],
    );
    backend.disposeData(statistics.dataId);
    statistics = next;
    backend.runWebGPUProgram(
      new ChunkProductProgram('queries', accumulated.shape, batch, heads, chunk, valueDim, vectorized),
      [statistics, values],
      'float32',
      [
        ...chunkUniforms(sizes, start, chunk),
        int32(valueDim),
        int32(0),
        float32(1),
        int32(start > 0 ? 1 : 0),
        int32(chunk + 4),
        int32(chunk + 2),
      ],
      accumulated,
    );
  }
  const results = (['output', 'logSumExp'] as const).map((target) =>
    backend.runWebGPUProgram(
      new AttentionNormalizeProgram(target, batch, heads, valueDim),
      [accumulated, statistics],
      'float32',
      [int32(batch * heads), int32(valueDim), int32(chunk)],
    ),
  );
  backend.disposeData(accumulated.dataId);
  backend.disposeData(statistics.dataId);
  return results;
}

function forwardKernel(params: { inputs: NamedTensorInfoMap; backend: object; attrs?: NamedAttrMap }): TensorInfo[] {
  const { query, keys, values, mask } = params.inputs as Record<'query' | 'keys' | 'values' | 'mask', TensorInfo>;
  const backend = params.backend as WebGPUBackendLike;
  const forward = tileStagingFor(backend) === 'registers' ? chunkedForward : tiledForward;
  return forward(backend, [query, keys, values, mask], sizesOf(query, values), params.attrs!.scale as number);
}

/** What the backward reads: the forward's inputs and outputs, its upstream gradient and delta = rowsum(dO * O) [B, H]. */
interface BackwardInputs {
  query: tf.Tensor;
  keys: tf.Tensor;
  values: tf.Tensor;
  mask: tf.Tensor;
  logSumExp: tf.Tensor;
  dOutput: tf.Tensor;
  delta: tf.Tensor;
}

/** The three gradients the backward returns, each owned by the caller. */
interface AttentionGradients {
  query: tf.Tensor;
  keys: tf.Tensor;
  values: tf.Tensor;
}

// Runs the fused backward once and cuts its flat output into the three gradients.
function tiledBackwardGradients(inputs: BackwardInputs, sizes: AttentionSizes, scale: number): AttentionGradients {
  const { query, keys, values, mask, logSumExp, dOutput, delta } = inputs;
  const { batch, heads, keyDim, valueDim, slots } = sizes;
  const plan = planOrThrow(webgpuBackend(), sizes);
  const backwardSizes = { ...sizes, chunks: plan.chunks, slotsPerChunk: plan.slotsPerChunk };
  const layout = backwardLayout(backwardSizes);
  const flat = runProgramAsTensor<tf.Tensor1D>(
    new AttentionBackwardProgram(backwardSizes, plan.backwardTiles),
    [query, keys, values, mask, dOutput, logSumExp, delta],
    [int32(batch), int32(heads), int32(slots), int32(plan.slotsPerChunk), float32(scale), int32(keyDim), int32(valueDim)],
  );
  const unpack = (offset: number, shape: number[]) => {
    const program = new UnpackProgram(shape, offset);
    return runProgramAsTensor(program, [flat], unpackUniforms(program, offset));
  };
  const querySize = batch * heads * keyDim;
  return {
    keys: unpack(layout.keys, [slots, heads, keyDim]),
    values: unpack(layout.values, [slots, heads, valueDim]),
    query: runProgramAsTensor(
      new SumPartsProgram([batch, heads, keyDim]),
      [flat],
      [int32(layout.query), int32(querySize), int32(plan.chunks)],
    ),
  };
}

// The backward as barrier-free passes over chunks of slots (software adapters; see TileStaging):
// per chunk, P and dS for every query go to a [2, B, H, C] scratch tensor, then dV and dK rows of
// the chunk's slots are written and dQ accumulates, all straight into the three gradients.
function chunkedBackwardGradients(inputs: BackwardInputs, sizes: AttentionSizes, scale: number): AttentionGradients {
  const { query, keys, values, mask, logSumExp, dOutput, delta } = inputs;
  const { batch, heads, keyDim, valueDim, slots } = sizes;
  const backend = webgpuBackend();
  const vectorized = vectorizable(keyDim, valueDim);
  const chunk = chunkSlots(batch * heads, slots);
  const gradients = {
    query: backend.makeTensorInfo([batch, heads, keyDim], 'float32'),
    keys: backend.makeTensorInfo([slots, heads, keyDim], 'float32'),
    values: backend.makeTensorInfo([slots, heads, valueDim], 'float32'),
  };
  const scoreInputs = [query, keys, values, mask, dOutput, logSumExp, delta];
  const secondHalf = batch * heads * chunk;
  for (let start = 0; start < slots; start += chunk) {
    const scratch = backend.runWebGPUProgram(new ChunkScoresProgram(batch, heads, chunk, vectorized), scoreInputs, 'float32', [
      ...chunkUniforms(sizes, start, chunk),
      float32(scale),
      int32(keyDim),
      int32(valueDim),
      int32(Math.ceil(keyDim / 4)),
      int32(Math.ceil(valueDim / 4)),
    ]);
    const product = (
      kind: 'slots' | 'queries',
      target: TensorInfo,
      other: tf.Tensor,
      width: number,
      weightsOffset: number,
      factor: number,
    ) =>
      backend.runWebGPUProgram(
        new ChunkProductProgram(kind, target.shape, batch, heads, chunk, width, vectorized),
        [scratch, other],
        'float32',
        [
          ...chunkUniforms(sizes, start, chunk),
          int32(width),
          int32(weightsOffset),
          float32(factor),
          int32(start > 0 ? 1 : 0),
          int32(chunk),
          int32(-1),
        ],
        target,
      );
    product('slots', gradients.values, dOutput, valueDim, 0, 1);
    product('slots', gradients.keys, query, keyDim, secondHalf, scale);
    product('queries', gradients.query, keys, keyDim, secondHalf, scale);
    backend.disposeData(scratch.dataId);
  }
  const engine = tf.engine();
  return {
    query: engine.makeTensorFromTensorInfo(gradients.query),
    keys: engine.makeTensorFromTensorInfo(gradients.keys),
    values: engine.makeTensorFromTensorInfo(gradients.values),
  };
}

function backwardGradients(dOutput: tf.Tensor, saved: tf.Tensor[], scale: number): AttentionGradients {
  const [query, keys, values, mask, output, logSumExp] = saved as [
    tf.Tensor,
    tf.Tensor,
    tf.Tensor,
    tf.Tensor,
    tf.Tensor,
    tf.Tensor,
  ];
  const delta = tf.sum(tf.mul(dOutput, output), -1); // [B, H]
  const inputs: BackwardInputs = { query, keys, values, mask, logSumExp, dOutput, delta };
  const backward = tileStagingFor(webgpuBackend()) === 'registers' ? chunkedBackwardGradients : tiledBackwardGradients;
  const gradients = backward(inputs, sizesOf(query, values), scale);
  delta.dispose();
  return gradients;
}

const forwardGradient: GradConfig = {
  kernelName: FUSED_ATTENTION,
  inputsToSave: ['query', 'keys', 'values', 'mask'],
  outputsToSave: [true, true],
  // dy[1] (logSumExp) is ignored: logSumExp only feeds ATTENTION_WEIGHTS, whose gradient already
  // includes its dependence on query and keys and sends zeros back here.
  gradFunc: (dy, saved, attrs) => {
    const gradients = backwardGradients((dy as tf.Tensor[])[0]!, saved, attrs.scale as number);
    return {
      query: () => gradients.query,
      keys: () => gradients.keys,
      values: () => gradients.values,
      mask: () => tf.zerosLike(saved[3]!),
    };
  },
};

function weightsKernel(params: { inputs: NamedTensorInfoMap; backend: object; attrs?: NamedAttrMap }): TensorInfo {
  const { query, keys, mask, logSumExp } = params.inputs as Record<'query' | 'keys' | 'mask' | 'logSumExp', TensorInfo>;
  const backend = params.backend as WebGPUBackendLike;
  const [batch, heads, keyDim] = query.shape as [number, number, number];
  const slots = keys.shape[0]!;
  const plan = planOrThrow(backend, { batch, heads, keyDim, valueDim: keyDim, slots });
  return backend.runWebGPUProgram(
    new AttentionWeightsProgram(batch, heads, keyDim, slots, plan.weightsTile),
    [query, keys, mask, logSumExp],
    'float32',
    [int32(batch), int32(heads), int32(slots), float32(params.attrs!.scale as number), int32(keyDim)],
  );
}

// Softmax Jacobian in composite ops: the weights were materialised anyway, so [B, H, M] tensors
// are fine here. It covers the weights' whole dependence on query and keys (through logSumExp
// too), so logSumExp itself gets a zero gradient.
const weightsGradient: GradConfig = {
  kernelName: ATTENTION_WEIGHTS,
  inputsToSave: ['query', 'keys', 'mask', 'logSumExp'],
  outputsToSave: [true],
  gradFunc: (dy, saved, attrs) => {
    const [query, keys, mask, logSumExp, weights] = saved as [tf.Tensor, tf.Tensor, tf.Tensor, tf.Tensor, tf.Tensor];
    const scale = attrs.scale as number;
    const dWeights = dy as tf.Tensor;
    const dScores = () => tf.mul(weights, tf.sub(dWeights, tf.sum(tf.mul(dWeights, weights), -1, true))); // [B, H, M]
    return {
      query: () => {
        // [H, B, M] x [H, M, d] -> [H, B, d]
        const perHead = tf.matMul(
          tf.transpose(dScores(), [1, 0, 2]) as tf.Tensor3D,
          tf.transpose(keys, [1, 0, 2]) as tf.Tensor3D,
        );
        return tf.mul(tf.transpose(perHead, [1, 0, 2]), scale);
      },
      keys: () => {
        // [H, M, B] x [H, B, d] -> [H, M, d]
        const perHead = tf.matMul(
          tf.transpose(dScores(), [1, 2, 0]) as tf.Tensor3D,
          tf.transpose(query, [1, 0, 2]) as tf.Tensor3D,
        );
        return tf.mul(tf.transpose(perHead, [1, 0, 2]), scale);
      },
      mask: () => tf.zerosLike(mask),
      logSumExp: () => tf.zerosLike(logSumExp),
    };
  },
};

const KERNELS: KernelConfig[] = [
  { kernelName: FUSED_ATTENTION, backendName: 'webgpu', kernelFunc: forwardKernel },
  { kernelName: ATTENTION_WEIGHTS, backendName: 'webgpu', kernelFunc: weightsKernel },
];

/**
 * Registers the fused attention kernels for the webgpu backend and their gradients, once per
 * tfjs-core instance (the registry is global to it). Called on first use, so importing this
 * package registers nothing.
 */
export function registerFusedAttentionKernels(): void {
  for (const config of KERNELS) {
    if (!tf.getKernel(config.kernelName, config.backendName)) tf.registerKernel(config);
  }
  for (const config of [forwardGradient, weightsGradient]) {
    if (!tf.getGradient(config.kernelName)) tf.registerGradient(config);
  }
}
