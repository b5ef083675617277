import { z } from 'zod';
import { DataError, PreprocessingPipeline } from '@holomind/data';
import { BACKEND_CHOICES, BENCHMARKS, MNIST_CHOICES, SCENARIO_CHOICES, STRATEGIES } from './choices.js';

export { BACKEND_CHOICES, BENCHMARKS, MNIST_CHOICES, SCENARIO_CHOICES, STRATEGIES };

const positiveInt = z.number().int().positive();
const activation = z.enum(['relu', 'tanh', 'sigmoid', 'elu']);

const networkSection = z.strictObject({
  /** Hidden sizes of the shared feature extractor (empty: no shared part). */
  extractorHidden: z.array(positiveInt).default([256]),
  /** Hidden sizes of each task column. */
  columnHidden: z.array(positiveInt).default([64]),
  activation: activation.default('relu'),
  dropout: z.number().min(0).max(0.9).default(0),
  maxColumns: positiveInt.default(10),
});

const memorySection = z.strictObject({
  slots: positiveInt.default(256),
  /**
   * Key and value widths: 16 (32 until 2026-12-04). On validation digits, seeds 0-2, 16 matched 32
   * where the read is on (class-IL holomind with the read 91.93 ± 0.11% against 91.52 ± 0.20%;
   * task-IL pnn-memory 99.49 ± 0.07% against 99.51 ± 0.10%) at about half the read's cost to a
   * training step (1.07-1.12x a plain step against 1.15-1.18x, `bench/training-step.ts`).
   */
  keySize: positiveInt.default(16),
  valueSize: positiveInt.default(16),
  heads: positiveInt.default(1),
  similarity: z.enum(['dot', 'cosine']).default('cosine'),
  writeThreshold: z.number().min(0).default(0),
  policy: z.enum(['least-used', 'least-important']).default('least-used'),
});

const replaySection = z.strictObject({
  /** Stored examples in all, over every task (not per class or task). */
  budget: positiveInt.default(500),
  /** Write policy; default: reservoir for er and derpp (as published), herding for icarl, class-balanced for holomind. */
  policy: z.enum(['reservoir', 'class-balanced', 'importance', 'herding']).optional(),
  /** Stored examples replayed per training step; default: training.batchSize. */
  batchSize: positiveInt.optional(),
  /** DER++'s weight of logit matching (Buzzega et al. 2020). */
  alpha: z.number().min(0).default(0.3),
  /** DER++'s weight of the replayed labels' cross-entropy. */
  beta: z.number().min(0).default(0.5),
  /** Distillation temperature of lwf and icarl. */
  temperature: z.number().positive().default(2),
});

/**
 * Switches for the parts of the `holomind` strategy, for ablations (each part must earn its place).
 * Unset: the scenario's default (columns with task identity; columns chosen by task inference in
 * Permuted MNIST; DER++ replay otherwise).
 */
const holomindSection = z.strictObject({
  /** Progressive columns (a fresh column per task with lateral inputs); default: with task identity (task-IL). */
  columns: z.boolean().optional(),
  ewc: z.boolean().optional(),
  /**
   * The external memory's attention read, its output beside each column's input; default: off (on
   * validation digits it gained nothing: beside DER++ in Permuted MNIST; beside task-IL columns;
   * beside DER++ in class-IL, 91.93 ± 0.11% with it against 92.01 ± 0.30% without, seeds 0-2).
   */
  memoryRead: z.boolean().optional(),
  /** DER++ replay; default: on without columns, off with them (a frozen column forgets nothing). */
  replay: z.boolean().optional(),
  /**
   * Domain-IL without task identity: a column per task, and each test input goes to the column of
   * the task it most resembles in the episodic memory (attention over stored examples). Default: on
   * for Permuted MNIST, off elsewhere (digit pairs and rotations cannot be told apart reliably).
   */
  inferTask: z.boolean().optional(),
  /**
   * Whether each new column reads the earlier ones through lateral adapters (with holomind.columns).
   * Default: yes with task identity (task-IL), no with task inference (each task's column on its own,
   * so a run's cost grows linearly with the tasks, not with their square).
   */
  lateral: z.boolean().optional(),
});

const ewcSection = z.strictObject({
  /** Penalty strength; with `normalize` each task's Fisher peaks at 1, so λ is in loss units per squared weight. */
  lambda: z.number().min(0).default(1000),
  normalize: z.boolean().default(true),
  gamma: z.number().gt(0).max(1).default(0.9),
  fisher: z.enum(['empirical', 'true', 'batched']).default('empirical'),
  /** Samples the Fisher is estimated from, per task. */
  samples: positiveInt.default(256),
});

const trainingSection = z.strictObject({
  epochs: positiveInt.default(2),
  batchSize: positiveInt.default(64),
  learningRate: z.number().positive().default(0.001),
  /** Number of tasks the benchmark is cut into. */
  tasks: positiveInt.default(5),
  /** Training samples per task (all when unset); keeps runs short. */
  trainPerTask: positiveInt.optional(),
  testPerTask: positiveInt.optional(),
  /** Which split the accuracy matrix is measured on: `validation` for choosing hyperparameters, `test` to report. */
  evaluateOn: z.enum(['test', 'validation']).default('test'),
  /**
   * Training ops: `fused` (custom-gradient dense ops, fast on wasm) or `composite` (tfjs's own ops,
   * the route before them; for before/after comparisons). Passed to ProgressiveNetwork.train as `kernels`.
   */
  kernels: z.enum(['fused', 'composite']).default('fused'),
});

const monitoringSection = z.strictObject({
  tensorboard: z.boolean().default(true),
  /** Alert when an earlier task's accuracy drops by more than this (0..1). */
  forgettingAlert: z.number().min(0).max(1).default(0.05),
  dashboardPort: z.number().int().min(0).max(65535).default(6007),
  /** Serve the live dashboard on 127.0.0.1:dashboardPort while training (`holomind train --dashboard`). */
  dashboard: z.boolean().default(false),
  /** Per-step monitoring at all: metrics, evaluations during training, histograms, the memory's performance monitor (the bench's control turns it off). */
  perStep: z.boolean().default(true),
  /** Per-step metrics (losses, learning rate, gradient norm, resources, memory) every this many optimizer steps. */
  stepEvery: positiveInt.default(10),
  /** Accuracy of every task seen so far every this many optimizer steps (0: at each epoch's end only, which always happens). */
  evaluateEvery: z.number().int().min(0).default(0),
  /** The fixed held-out subset those evaluations use: the first this many test examples of each task. */
  evaluationSamples: positiveInt.default(200),
  /** Weight and gradient histograms in TensorBoard every this many optimizer steps. */
  histogramEvery: positiveInt.default(100),
});

const performanceSection = z.strictObject({
  gradientAccumulation: positiveInt.default(1),
  /** Save a checkpoint every this many epochs (and always at the end of a task). */
  checkpointEvery: positiveInt.default(1),
  /** Halve the batch when tf.memory().numBytes passes this many bytes. */
  shrinkBatchAboveBytes: positiveInt.optional(),
  /** Run memory cleanup every this many epochs. */
  cleanupEvery: positiveInt.default(1),
});

/** A CSV column: its header name or 0-based index. */
const columnReference = z.union([z.string().min(1), z.number().int().min(0)]);

/**
 * Your own data set instead of a built-in benchmark (`holomind train --data`): a CSV file (split
 * into train and test by `testFraction`) or a folder of IDX files, cut into tasks by classes.
 */
const dataSection = z.strictObject({
  /** A CSV file, or a folder holding train-/t10k- images and labels IDX files (gzip or raw). */
  path: z.string().min(1),
  /** CSV: the label column, by name or 0-based index (default: the last column). */
  labelColumn: columnReference.optional(),
  /** CSV: the feature columns, in order (default: every column but the label). */
  featureColumns: z.array(columnReference).min(1).optional(),
  /** Classes per task: the tasks are the classes in order, this many each (default: training.tasks tasks). */
  classesPerTask: positiveInt.optional(),
  /** The order classes are dealt to tasks (every class exactly once); training.tasks tasks. */
  classOrder: z.array(z.number().int().min(0)).min(1).optional(),
  /** CSV: share of each class held out as the test split. */
  testFraction: z.number().gt(0).lt(1).default(0.2),
});

/** `augmentation[1].type` as a path for zod issues: ['augmentation', 1, 'type']. */
function keyPath(key: string): Array<string | number> {
  return key
    .split(/\.|\[|\]/)
    .filter(Boolean)
    .map((part) => (/^\d+$/.test(part) ? Number(part) : part));
}

/**
 * `@holomind/data`'s preprocessing configuration (normalization, augmentation, validation, seed,
 * imageShape), checked by its own parser so the CLI and the library accept exactly the same thing.
 */
const preprocessingSection = z.record(z.string(), z.unknown()).superRefine((value, context) => {
  try {
    PreprocessingPipeline.fromConfig(value);
  } catch (error) {
    if (!DataError.isInstance(error)) throw error;
    const path = error.key && error.key !== '(root)' ? keyPath(error.key) : [];
    context.addIssue({ code: 'custom', path, message: error.message.replace(/^Config key '[^']*': /, '').replace(/\.$/, '') });
  }
});

/** The whole configuration; every field has a default so an empty file is valid. */
export const configSchema = z.strictObject({
  benchmark: z.enum(BENCHMARKS).default('split-mnist'),
  strategy: z.enum(STRATEGIES).default('holomind'),
  /** Default: task-incremental for split benchmarks, domain-incremental for permuted and rotated. */
  scenario: z.enum(SCENARIO_CHOICES).optional(),
  mnist: z.enum(MNIST_CHOICES).default('auto'),
  seed: z.number().int().min(0).default(42),
  backend: z.enum(BACKEND_CHOICES).default('auto'),
  dataDir: z.string().default('/usr/share/datasets/fashion-mnist'),
  db: z.string().default('sqlite:.holomind/holomind.db'),
  output: z.string().default('.holomind'),
  network: networkSection.default(() => networkSection.parse({})),
  memory: memorySection.default(() => memorySection.parse({})),
  replay: replaySection.default(() => replaySection.parse({})),
  holomind: holomindSection.default(() => holomindSection.parse({})),
  ewc: ewcSection.default(() => ewcSection.parse({})),
  training: trainingSection.default(() => trainingSection.parse({})),
  monitoring: monitoringSection.default(() => monitoringSection.parse({})),
  performance: performanceSection.default(() => performanceSection.parse({})),
  /** Your own data set (CSV or IDX folder) instead of `benchmark`. */
  data: dataSection.optional(),
  /** Normalisation, augmentation and outlier checks, fitted on training data only and saved in every checkpoint. */
  preprocessing: preprocessingSection.optional(),
});

/** A validated configuration with every default filled in. */
export type HolomindConfig = z.infer<typeof configSchema>;
/** What a user may write: every field optional. */
export type HolomindConfigInput = z.input<typeof configSchema>;
