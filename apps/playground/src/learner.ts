import * as tf from '@tensorflow/tfjs-core';
import type { BenchmarkTask } from '@holomind/data';
import { EwcConsolidator, type EwcState } from '@holomind/ewc';
import { darkExperienceReplayLoss, EpisodicMemory, type EpisodicMemoryState } from '@holomind/memory';
import { ProgressiveNetwork, type ProgressiveNetworkState, type StepInfo } from '@holomind/network';
import { cacheVariablesOnHost } from '@holomind/tensor-kernels';

/** The column every task trains: class-incremental learning has one 10-way head. */
export const SHARED_COLUMN = 'shared';

/** The `holomind` recipe's knobs in class-IL, as apps/examples' defaults set them. */
export const RECIPE = {
  extractorHidden: [256],
  columnHidden: [64],
  batchSize: 32,
  learningRate: 0.001,
  replayBudget: 500,
  replayBatch: 32,
  alpha: 0.3,
  beta: 0.5,
  ewcLambda: 100,
  ewcSamples: 64,
  // Squared mean gradients of minibatches of 16: 4 backward passes for 64 samples instead of 64,
  // which on a software WebGPU adapter is the difference between seconds and a minute.
  ewcFisher: 'batched',
  ewcMinibatch: 16,
  seed: 0,
} as const;

// Rows per upload: Chromium's WebGPU refused one 0.8 MB mapped-at-creation buffer after a task had
// trained (GPU-process memory held by tfjs's buffer pool), so large inputs go up in slices.
const UPLOAD_ROWS = 64;

/** [rows, 784] float32 from a typed array, uploaded in slices of {@link UPLOAD_ROWS} rows. */
function imagesTensor(features: Float32Array, rows: number): tf.Tensor2D {
  if (rows <= UPLOAD_ROWS) return tf.tensor2d(features, [rows, 28 * 28]);
  const slices: tf.Tensor2D[] = [];
  for (let start = 0; start < rows; start += UPLOAD_ROWS) {
    const count = Math.min(UPLOAD_ROWS, rows - start);
    slices.push(tf.tensor2d(features.subarray(start * 784, (start + count) * 784), [count, 28 * 28]));
  }
  const whole = tf.concat(slices);
  tf.dispose(slices);
  return whole;
}

/** What a checkpoint keeps of a learner: plain data, typed arrays included (IndexedDB clones them). */
export interface LearnerState {
  network: ProgressiveNetworkState;
  memory: EpisodicMemoryState;
  ewc: EwcState;
}

/**
 * The `holomind` strategy for class-incremental Split MNIST, composed from the packages: a
 * ProgressiveNetwork with one shared column, DER++ replay (Buzzega et al. 2020) from a class-balanced
 * EpisodicMemory, and EWC (Kirkpatrick et al. 2017) on the shared extractor only, so the head stays
 * free to take the new classes.
 */
export class ContinualLearner {
  private constructor(
    readonly network: ProgressiveNetwork,
    readonly memory: EpisodicMemory,
    readonly ewc: EwcConsolidator,
  ) {}

  /** A fresh learner. */
  static create(): ContinualLearner {
    const network = new ProgressiveNetwork({
      inputShape: [28 * 28],
      extractor: { kind: 'mlp', hiddenSizes: [...RECIPE.extractorHidden] },
      freezeExtractor: 'never',
      column: { hiddenSizes: [...RECIPE.columnHidden] },
      maxColumns: 1,
      seed: RECIPE.seed,
    });
    network.addTask(SHARED_COLUMN, { outputSize: 10 });
    const memory = new EpisodicMemory({
      budget: RECIPE.replayBudget,
      inputSize: 28 * 28,
      classCount: 10,
      logitSize: 10,
      policy: 'class-balanced',
      seed: RECIPE.seed,
    });
    return new ContinualLearner(network, memory, new EwcConsolidator({ lambda: RECIPE.ewcLambda, fisher: RECIPE.ewcFisher }));
  }

  /** A learner from a checkpoint's {@link toState}. */
  static fromState(state: LearnerState): ContinualLearner {
    return new ContinualLearner(
      ProgressiveNetwork.fromState(state.network),
      EpisodicMemory.fromState(state.memory),
      EwcConsolidator.fromState(state.ewc),
    );
  }

  /** One task: the data loss plus DER++ on stored digits plus EWC's penalty on the extractor. */
  async trainTask(task: BenchmarkTask, epochs: number, onStep: (step: StepInfo) => Promise<void>): Promise<void> {
    const inputs = imagesTensor(task.train.features, task.train.labels.length);
    const labels = tf.tensor1d(task.train.labels, 'int32');
    try {
      await this.network.train(
        { taskId: SHARED_COLUMN, inputs, labels },
        {
          epochs,
          batchSize: RECIPE.batchSize,
          optimizer: { name: 'adam', learningRate: RECIPE.learningRate },
          regularizer: () => this.regularizer(),
          onStep,
        },
      );
    } finally {
      inputs.dispose();
      labels.dispose();
    }
  }

  /** After a task: its digits offered to the memory with today's logits; the extractor's Fisher. */
  async consolidate(task: BenchmarkTask, taskIndex: number): Promise<void> {
    const count = task.train.labels.length;
    const inputs = imagesTensor(task.train.features, count);
    const labels = tf.tensor1d(task.train.labels, 'int32');
    try {
      const logits = this.network.forward(inputs, SHARED_COLUMN);
      const logitValues = (await logits.data()) as Float32Array;
      logits.dispose();
      this.memory.write({ inputs: task.train.features, labels: task.train.labels, task: taskIndex, logits: logitValues });
      await this.ewc.consolidate(
        this.network.sharedVariables(),
        { inputs, labels },
        {
          taskId: `task-${taskIndex}`,
          samples: Math.min(RECIPE.ewcSamples, count),
          seed: RECIPE.seed,
          minibatchSize: RECIPE.ewcMinibatch,
          predict: (batch) => this.network.forward(batch, SHARED_COLUMN),
        },
      );
    } finally {
      inputs.dispose();
      labels.dispose();
    }
  }

  /** Test accuracy of the shared head on one task's test digits (labels are the digits). */
  async accuracy(task: BenchmarkTask): Promise<number> {
    const inputs = imagesTensor(task.test.features, task.test.labels.length);
    const labels = tf.tensor1d(task.test.labels, 'int32');
    try {
      return (await this.network.evaluate({ taskId: SHARED_COLUMN, inputs, labels })).accuracy;
    } finally {
      inputs.dispose();
      labels.dispose();
    }
  }

  /** Class probabilities [10] of one drawn digit (784 values in 0..1). */
  async probabilities(pixels: Float32Array): Promise<number[]> {
    const probabilities = tf.tidy(() => tf.softmax(this.network.forward(tf.tensor2d(pixels, [1, 28 * 28]), SHARED_COLUMN)));
    const values = Array.from(await probabilities.data());
    probabilities.dispose();
    return values;
  }

  /**
   * Everything a checkpoint needs to continue. The network's toState reads its variables with
   * dataSync, which tfjs's WebGPU backend serves through an OffscreenCanvas; in Chromium's worker
   * that left the device refusing every later upload. cacheVariablesOnHost reads them
   * asynchronously first, so dataSync returns them without touching the GPU.
   */
  async toState(): Promise<LearnerState> {
    await cacheVariablesOnHost();
    return { network: this.network.toState(), memory: this.memory.toState(), ewc: this.ewc.toState() };
  }

  dispose(): void {
    this.network.dispose();
    this.ewc.dispose();
  }

  private regularizer(): tf.Scalar {
    return tf.tidy(() => {
      const penalty = this.ewc.penalty(this.network.sharedVariables());
      if (this.memory.size === 0) return penalty;
      const count = Math.min(RECIPE.replayBatch, this.memory.size);
      const first = this.memory.sampleTensors(count);
      const second = this.memory.sampleTensors(count);
      const replay = darkExperienceReplayLoss(
        this.network.forward(first.inputs, SHARED_COLUMN),
        first.logits!,
        this.network.forward(second.inputs, SHARED_COLUMN),
        second.labels,
        { alpha: RECIPE.alpha, beta: RECIPE.beta },
      );
      return tf.add(penalty, replay) as tf.Scalar;
    });
  }
}
