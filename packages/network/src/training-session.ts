import * as tf from '@tensorflow/tfjs-core';
import type { ExternalMemory } from '@holomind/memory';
import { SeededRandom } from '@holomind/core';
import { gatherRows, gatherTensorRows } from '@holomind/tensor-kernels';
import { NetworkError } from './errors.js';
import { createOptimizer, type ResolvedTrainOptions, type TaskData, type TrainResult } from './training-options.js';

/** What a session trains: one column (and whatever else is unfrozen) of a network. */
export interface TrainingTarget {
  taskId: string;
  outputSize: number;
  /** The variables the optimizer updates. */
  variables: tf.Variable[];
  memory: ExternalMemory | undefined;
  /** Training-mode forward pass: logits [B, outputSize] and the column's memory query when it has one. */
  forward(inputs: tf.Tensor, dropoutSeed: number): { logits: tf.Tensor2D; query?: tf.Tensor2D };
}

/** One tensor of an optimizer's `getWeights()`, as plain data. */
export interface OptimizerWeight {
  name: string;
  shape: number[];
  dtype: 'float32' | 'int32';
  data: Float32Array | Int32Array;
}

/**
 * Everything a kept training session carries between epochs, as plain data: the optimizer's
 * weights (`tf.Optimizer.getWeights()`: iteration count, Adam's moments), the shuffling and dropout
 * generator's one-number state, and the counters. Sessions stop only at epoch boundaries, so the
 * position inside an epoch is always its start. `ProgressiveNetwork.restoreTrainingSession` continues it.
 */
export interface TrainingSessionState {
  format: 'holomind-training-session/1';
  taskId: string;
  /** State of the session's SeededRandom (shuffling order and dropout seeds). */
  random: number;
  epochsDone: number;
  steps: number;
  batchSize: number;
  optimizer: OptimizerWeight[];
}

/** Overrides {@link TrainingSession.run} accepts on top of the session's options. */
export interface RunOverrides {
  epochs?: number;
}

/** Mean over examples of −Σ_c y_c · log softmax(logits)_c: [B]. */
export function perExampleCrossEntropy(logits: tf.Tensor2D, targets: tf.Tensor2D): tf.Tensor1D {
  return tf.neg(tf.sum(tf.mul(targets, tf.logSoftmax(logits)), 1)) as tf.Tensor1D;
}

/**
 * Labels as class indices [N] (checked against outputSize) or soft targets [N, outputSize], held
 * as JavaScript arrays so a batch's targets are built by copying rows instead of a gather kernel.
 */
class Labels {
  private constructor(
    private readonly classes: Int32Array | undefined,
    private readonly soft: Float32Array | undefined,
    private readonly outputSize: number,
  ) {}

  static async from(labels: tf.Tensor, examples: number, outputSize: number, taskId: string): Promise<Labels> {
    if (!(labels instanceof tf.Tensor)) {
      throw new NetworkError(
        'LABEL_MISMATCH',
        `Labels of task '${taskId}' must be a tf.Tensor of [${examples}] class indices or [${examples}, ${outputSize}] targets.`,
      );
    }
    if (labels.rank === 2 && labels.shape[0] === examples && labels.shape[1] === outputSize && labels.dtype === 'float32') {
      return new Labels(undefined, (await labels.data()) as Float32Array, outputSize);
    }
    if (labels.rank === 1 && labels.shape[0] === examples) {
      const values = await labels.data();
      const bad = values.findIndex((value) => !Number.isInteger(value) || value < 0 || value >= outputSize);
      if (bad >= 0) {
        throw new NetworkError(
          'LABEL_MISMATCH',
          `Label ${bad} of task '${taskId}' is ${values[bad]}; class indices must be integers in [0, ${outputSize}) (the task's outputSize).`,
        );
      }
      return new Labels(Int32Array.from(values), undefined, outputSize);
    }
    throw new NetworkError(
      'LABEL_MISMATCH',
      `Labels of task '${taskId}' must have shape [${examples}] (class indices) or [${examples}, ${outputSize}] (float32 targets), ` +
        `got [${labels.shape.join(', ')}] ${labels.dtype}.`,
    );
  }

  /** Targets [rows, outputSize] float32 of the given examples (one-hot for class indices). */
  targets(rows: Int32Array): tf.Tensor2D {
    const width = this.outputSize;
    const values = new Float32Array(rows.length * width);
    rows.forEach((row, index) => {
      if (this.classes) values[index * width + this.classes[row]!] = 1;
      else values.set(this.soft!.subarray(row * width, (row + 1) * width), index * width);
    });
    return tf.tensor2d(values, [rows.length, width], 'float32');
  }
}

// The values of input tensors already read back, by tensor (off wasm). Training runs once per epoch
// over the same task tensor (the pipeline, resumeTraining); a tensor's values never change, so the
// copy stays right as long as the tensor lives; a weak map lets both go together.
const valuesRead = new WeakMap<tf.Tensor, tf.TypedArray>();

/**
 * The task's inputs, of which a batch is a copy of rows. On wasm the rows are copied from the
 * tensor's own values on the heap (`gatherTensorRows`): nothing is read back, and the data set has
 * no second copy in JavaScript (a read out of the heap ran at ~0.35 GB/s here: 70-80 ms for 8,000
 * MNIST digits, ~110 ms for a Split MNIST task). Elsewhere the tensor is read once into a JavaScript
 * array and batches are copies of its rows. (On wasm a `tf.slice` or `tf.gather` of a large tensor
 * reads the whole tensor each time, so batches are never cut with them.)
 */
export class Inputs {
  private constructor(
    private readonly source: tf.Tensor | Float32Array | Int32Array,
    private readonly rowShape: number[],
  ) {}

  static async from(inputs: tf.Tensor): Promise<Inputs> {
    inputs.throwIfDisposed();
    const rowShape = inputs.shape.slice(1);
    if (tf.getBackend() === 'wasm' && (inputs.dtype === 'float32' || inputs.dtype === 'int32'))
      return new Inputs(inputs, rowShape);
    let values = valuesRead.get(inputs);
    if (values === undefined) {
      values = (await inputs.data()) as tf.TypedArray;
      valuesRead.set(inputs, values);
    }
    return new Inputs(
      values instanceof Float32Array || values instanceof Int32Array ? values : Float32Array.from(values),
      rowShape,
    );
  }

  /** [rows, ...inputShape] of the given examples. */
  batch(rows: ArrayLike<number>): tf.Tensor {
    const { source } = this;
    return source instanceof tf.Tensor ? gatherTensorRows(source, rows) : gatherRows(source, this.rowShape, rows);
  }

  /** [count, ...inputShape] of examples start .. start + count − 1. */
  range(start: number, count: number): tf.Tensor {
    return this.batch(Int32Array.from({ length: count }, (_, index) => start + index));
  }
}

/**
 * One training run of one column: its optimizer, shuffling generator and batch size. A session
 * kept with `preserveState` is continued by `resumeTraining`.
 */
export class TrainingSession {
  readonly taskId: string;
  private readonly optimizer: tf.Optimizer;
  private readonly ownsOptimizer: boolean;
  private readonly random: SeededRandom;
  private epochsDone = 0;
  private steps = 0;
  private batchSize: number;

  constructor(
    private readonly target: TrainingTarget,
    readonly options: ResolvedTrainOptions,
    seed: number,
  ) {
    this.taskId = target.taskId;
    ({ optimizer: this.optimizer, owned: this.ownsOptimizer } = createOptimizer(options.optimizer));
    this.random = new SeededRandom(seed);
    this.batchSize = options.batchSize;
  }

  /** Runs `epochs` epochs over `data`; the caller has checked the inputs' shape. */
  async run(data: TaskData, overrides: RunOverrides = {}): Promise<TrainResult> {
    const { target, options } = this;
    const examples = data.inputs.shape[0]!;
    if (examples === 0)
      throw new NetworkError('INPUT_SHAPE_MISMATCH', `Task '${target.taskId}' data holds no example; pass at least one.`);
    const epochs = overrides.epochs ?? options.epochs;
    const labels = await Labels.from(data.labels, examples, target.outputSize, target.taskId);
    const inputs = await Inputs.from(data.inputs);
    const writeMemory = target.memory !== undefined && options.memoryWrites;
    const result: TrainResult = {
      taskId: target.taskId,
      epochs,
      steps: 0,
      epochLosses: [],
      batchSize: this.batchSize,
      batchShrinks: 0,
    };
    let lossTotal: tf.Scalar | undefined;
    try {
      for (let epoch = 0; epoch < epochs; epoch++) {
        const order = options.shuffle ? this.random.permutation(examples) : Int32Array.from({ length: examples }, (_, i) => i);
        lossTotal = tf.scalar(0);
        for (let position = 0; position < examples; ) {
          if (
            options.shrinkBatchAboveBytes !== undefined &&
            this.batchSize > 1 &&
            tf.memory().numBytes > options.shrinkBatchAboveBytes
          ) {
            this.batchSize = Math.max(1, Math.floor(this.batchSize / 2));
            result.batchShrinks++;
          }
          const microBatches: Int32Array[] = [];
          for (let micro = 0; micro < options.gradientAccumulation && position < examples; micro++) {
            microBatches.push(order.subarray(position, Math.min(position + this.batchSize, examples)));
            position += this.batchSize;
          }
          const step = await this.step(inputs, labels, microBatches, writeMemory);
          const stepExamples = microBatches.reduce((sum, rows) => sum + rows.length, 0);
          const previous: tf.Scalar = lossTotal;
          lossTotal = tf.tidy(() => tf.add(previous, tf.mul(step.loss, stepExamples)) as tf.Scalar);
          previous.dispose();
          this.steps++;
          result.steps++;
          if (options.onStep) {
            // Only a callback makes the loop read losses every step: free on wasm and cpu, whose
            // kernels have already run; one wait per step on a GPU.
            const [loss, dataLoss] = await Promise.all([step.loss.data(), step.dataLoss.data()]);
            tf.dispose([step.loss, step.dataLoss]);
            const { numTensors, numBytes } = tf.memory();
            await options.onStep({
              taskId: target.taskId,
              epoch: this.epochsDone,
              step: this.steps,
              loss: loss[0]!,
              dataLoss: dataLoss[0]!,
              batchSize: this.batchSize,
              examples: stepExamples,
              numTensors,
              numBytes,
            });
          } else {
            tf.dispose([step.loss, step.dataLoss]);
          }
        }
        result.epochLosses.push((await lossTotal.data())[0]! / examples);
        lossTotal.dispose();
        this.epochsDone++;
      }
    } finally {
      lossTotal?.dispose();
    }
    result.batchSize = this.batchSize;
    return result;
  }

  /**
   * The session's state as plain data. The optimizer's weights are then set back into it, exactly
   * as {@link importState} sets them: values an optimizer derives on `setWeights` (tfjs Adam's
   * powers of beta, recomputed from the iteration count) are then the same in a run that went on
   * and in one restored from this state, so both continue bit for bit.
   */
  async exportState(): Promise<TrainingSessionState> {
    const weights = await this.optimizer.getWeights();
    const optimizer: OptimizerWeight[] = [];
    for (const { name, tensor } of weights) {
      const dtype = tensor.dtype === 'int32' ? 'int32' : 'float32';
      const values = await tensor.data();
      optimizer.push({
        name,
        shape: [...tensor.shape],
        dtype,
        data: dtype === 'int32' ? Int32Array.from(values) : Float32Array.from(values),
      });
    }
    await this.setOptimizerWeights(optimizer, weights);
    return {
      format: 'holomind-training-session/1',
      taskId: this.taskId,
      random: this.random.seed,
      epochsDone: this.epochsDone,
      steps: this.steps,
      batchSize: this.batchSize,
      optimizer,
    };
  }

  /** Continues from {@link exportState}'s data: optimizer weights, generator state and counters. */
  async importState(state: TrainingSessionState): Promise<void> {
    if (state?.format !== 'holomind-training-session/1' || state.taskId !== this.taskId) {
      throw new NetworkError(
        'STATE_MISMATCH',
        `Training-session state must be 'holomind-training-session/1' of task '${this.taskId}', got ${String(state?.format)} of '${String(state?.taskId)}'; pass what exportTrainingSession() returned for this task.`,
      );
    }
    await this.setOptimizerWeights(state.optimizer, await this.optimizer.getWeights());
    this.random.reset(state.random);
    this.epochsDone = state.epochsDone;
    this.steps = state.steps;
    this.batchSize = state.batchSize;
  }

  // setWeights through the tf.Optimizer API only (any optimizer keeps working); then disposes
  // what the optimizer no longer holds: the tensors `previous` (its getWeights before) returned
  // and the copies handed to it (it keeps its own variables of them).
  private async setOptimizerWeights(
    weights: OptimizerWeight[],
    previous: Array<{ name: string; tensor: tf.Tensor }>,
  ): Promise<void> {
    const copies = weights.map(({ name, shape, dtype, data }) => ({ name, tensor: tf.tensor(data, shape, dtype) }));
    await this.optimizer.setWeights(copies);
    const current = await this.optimizer.getWeights();
    const held = new Set<tf.Tensor>(current.slice(1).map((weight) => weight.tensor));
    const released = [...previous, ...copies, current[0]].flatMap((weight) =>
      weight && !held.has(weight.tensor) ? [weight.tensor] : [],
    );
    tf.dispose(released);
  }

  /** Releases the optimizer (when the session created it). */
  dispose(): void {
    if (this.ownsOptimizer) this.optimizer.dispose();
  }

  // One optimizer step over micro-batches whose gradients add up weighted by size, so the step
  // follows the gradient of the mean loss over all of their examples.
  private async step(
    inputs: Inputs,
    labels: Labels,
    microBatches: Int32Array[],
    writeMemory: boolean,
  ): Promise<{ loss: tf.Scalar; dataLoss: tf.Scalar }> {
    const { target, options } = this;
    const total = microBatches.reduce((sum, rows) => sum + rows.length, 0);
    let accumulated: tf.NamedTensorMap = {};
    let loss = tf.scalar(0);
    let dataLoss = tf.scalar(0);
    for (const rows of microBatches) {
      const weight = rows.length / total;
      const batchInputs = inputs.batch(rows);
      const targets = labels.targets(rows);
      const dropoutSeed = this.random.nextInt();
      let perExample: tf.Tensor1D | undefined;
      let query: tf.Tensor2D | undefined;
      let microDataLoss: tf.Scalar = loss; // replaced inside the closure, which always runs
      // A bad regularizer value is reported after the tape closes: throwing inside variableGrads leaves its tape open.
      let invalidRegularizer: string | undefined;
      const { value, grads } = tf.variableGrads(() => {
        const output = target.forward(batchInputs, dropoutSeed);
        const examples = perExampleCrossEntropy(output.logits, targets);
        perExample = tf.keep(examples);
        if (writeMemory && output.query) query = tf.keep(output.query);
        microDataLoss = tf.keep(tf.mean(examples));
        if (!options.regularizer) return microDataLoss;
        const extra = options.regularizer({ inputs: batchInputs, logits: output.logits, targets });
        invalidRegularizer = describeInvalidRegularizer(extra);
        return invalidRegularizer === undefined ? (tf.add(microDataLoss, extra) as tf.Scalar) : microDataLoss;
      }, target.variables);
      if (invalidRegularizer !== undefined) {
        tf.dispose([batchInputs, targets, perExample, query, microDataLoss, value, loss, dataLoss]);
        tf.dispose([...Object.values(grads), ...Object.values(accumulated)]);
        throw new NetworkError(
          'INVALID_REGULARIZER',
          `regularizer must return a float32 tf.Scalar, got ${invalidRegularizer}; reduce it with tf.sum or tf.mean.`,
        );
      }
      accumulated = addWeighted(accumulated, grads, weight);
      const [previousLoss, previousDataLoss] = [loss, dataLoss];
      [loss, dataLoss] = tf.tidy(() => [
        tf.add(previousLoss, tf.mul(value, weight)) as tf.Scalar,
        tf.add(previousDataLoss, tf.mul(microDataLoss, weight)) as tf.Scalar,
      ]);
      try {
        // Asynchronous: the write reads usage back, which WebGPU cannot do synchronously in Node.
        if (query && target.memory) await target.memory.writeAsync(query, perExample!);
      } catch (error) {
        tf.dispose([loss, dataLoss, ...Object.values(accumulated)]);
        throw error;
      } finally {
        tf.dispose([batchInputs, targets, value, perExample, query, microDataLoss, previousLoss, previousDataLoss]);
      }
    }
    // tfjs optimizers keep their moments by position in this map, so every step must name every
    // variable: one without a gradient this step (a memory query while the memory is empty) gets zeros.
    const complete: tf.NamedTensorMap = {};
    for (const variable of target.variables) complete[variable.name] = accumulated[variable.name] ?? tf.zerosLike(variable);
    options.onGradients?.(complete, this.steps + 1);
    this.optimizer.applyGradients(complete);
    tf.dispose(Object.values(complete));
    return { loss, dataLoss };
  }
}

// Why a regularizer's value cannot be added to the loss, or undefined when it can.
function describeInvalidRegularizer(penalty: unknown): string | undefined {
  if (penalty instanceof tf.Tensor && penalty.rank === 0 && penalty.dtype === 'float32') return undefined;
  return penalty instanceof tf.Tensor ? `a ${penalty.dtype} tensor of shape [${penalty.shape.join(', ')}]` : typeof penalty;
}

// accumulated + weight · grads, by variable name; disposes what it replaces.
function addWeighted(accumulated: tf.NamedTensorMap, grads: tf.NamedTensorMap, weight: number): tf.NamedTensorMap {
  const result: tf.NamedTensorMap = { ...accumulated };
  for (const [name, gradient] of Object.entries(grads)) {
    const scaled = weight === 1 ? gradient : tf.mul(gradient, weight);
    if (scaled !== gradient) gradient.dispose();
    const previous = accumulated[name];
    result[name] = previous ? tf.add(previous, scaled) : scaled;
    if (previous) tf.dispose([previous, scaled]);
  }
  return result;
}
