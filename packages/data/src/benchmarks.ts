import { DataError } from './errors.js';
import { imageLayout, rotateImage, rotationTable, type ImageLayout } from './image-ops.js';
import type { SeededRandom } from '@holomind/core';
import { checkFraction, checkOption } from './option-checks.js';
import { assertSeed, randomStream } from './random.js';
import { featureSize, validateSplit, type DataSplit, type Dataset } from './split.js';

/** How labels relate across tasks (van de Ven & Tolias, "Three scenarios for continual learning"). */
export type Scenario = 'task-incremental' | 'domain-incremental' | 'class-incremental';

/** The scenarios, for validation and menus. */
export const SCENARIOS: readonly Scenario[] = ['task-incremental', 'domain-incremental', 'class-incremental'];

/** What a benchmark builder needs from a data set. */
export type BenchmarkSource = Pick<Dataset, 'train' | 'test' | 'numClasses'> & { imageShape?: [number, number] };

/** Options every benchmark builder takes. */
export interface BenchmarkOptions {
  /** Number of tasks. */
  tasks: number;
  /** Everything random (class order, permutations, angles, subsets, validation carve, order) follows from it. */
  seed: number;
  /**
   * Label scheme. `task-incremental` and `domain-incremental`: labels restart at 0 in every task
   * (one head per task vs one shared head). `class-incremental`: every class of every task gets
   * its own label, so the output grows to `outputSize`.
   */
  scenario: Scenario;
  /** Share of each task's training samples held out as its validation split, per class (default 0.1). */
  validationFraction?: number;
  /** Use at most this many training samples per task (seeded subset, before the validation carve). */
  trainSamplesPerTask?: number;
  /** Use at most this many test samples per task (seeded subset). */
  testSamplesPerTask?: number;
}

/** Options of {@link splitBenchmark}. */
export interface SplitBenchmarkOptions extends BenchmarkOptions {
  /**
   * Classes in the order they are dealt to tasks, `classOrder.length / tasks` per task. Default: all
   * classes in a seeded random order; pass `[0, 1, ..., 9]` for the canonical Split MNIST pairs.
   */
  classOrder?: number[];
}

/** Options of {@link permutedBenchmark}. */
export interface PermutedBenchmarkOptions extends BenchmarkOptions {
  /** Leave task 0's pixels in place (as some papers do); default false: every task is permuted. */
  keepFirstTaskUnpermuted?: boolean;
}

/** Options of {@link rotatedBenchmark}. */
export interface RotatedBenchmarkOptions extends BenchmarkOptions {
  /** One angle per task in degrees, counter-clockwise. Default: seeded uniform in [0, maxAngle). */
  angles?: number[];
  /** Upper bound of the seeded angles, in degrees (default 180). */
  maxAngle?: number;
  /** [height, width] of the images; default the source's `imageShape` or a [h, w(, c)] featureShape. */
  imageShape?: [number, number];
}

/** One task of a continual-learning benchmark. */
export interface BenchmarkTask {
  /** 0-based position in the sequence. */
  taskId: number;
  scenario: Scenario;
  /** Source data set classes present in this task. */
  classes: number[];
  /** The label each of `classes` carries in this task's splits (same order). */
  targetLabels: number[];
  /** Output units a model needs for this task under the scenario. */
  outputSize: number;
  train: DataSplit;
  val: DataSplit;
  test: DataSplit;
  /** Index in the source data set's train (for `train` and `val`) or test split of every sample. */
  sourceIndices: { train: Int32Array; val: Int32Array; test: Int32Array };
  /** Permuted benchmarks: sample feature `j` is source feature `permutation[j]`. */
  permutation?: Int32Array;
  /** Rotated benchmarks: degrees counter-clockwise about the image centre. */
  angle?: number;
}

type SampleTransform = (source: Float32Array, sourceOffset: number, target: Float32Array, targetOffset: number) => void;

interface TaskPlan {
  taskId: number;
  classes: number[];
  targetLabels: number[];
  outputSize: number;
  transform: SampleTransform | undefined;
  extra: Pick<BenchmarkTask, 'permutation' | 'angle'>;
}

/**
 * Split benchmark (Split MNIST, Split Fashion-MNIST): the classes are dealt out to tasks, an equal
 * number each; every task holds only its classes' samples.
 *
 * @example
 * const tasks = splitBenchmark(await loadMnist(), { tasks: 5, seed: 1, scenario: 'class-incremental', classOrder: [0, 1, 2, 3, 4, 5, 6, 7, 8, 9] });
 * tasks[1].classes; // [2, 3], with labels 2 and 3
 */
export function splitBenchmark(source: BenchmarkSource, options: SplitBenchmarkOptions): BenchmarkTask[] {
  const { tasks, seed, scenario } = checkOptions(source, options);
  const classOrder = options.classOrder ?? [...randomStream(seed, 'class-order').permutation(source.numClasses)];
  checkClassOrder(classOrder, source.numClasses, tasks);
  const perTask = classOrder.length / tasks;
  const plans = Array.from({ length: tasks }, (_, taskId): TaskPlan => {
    const classes = classOrder.slice(taskId * perTask, (taskId + 1) * perTask);
    const incremental = scenario === 'class-incremental';
    return {
      taskId,
      classes,
      targetLabels: classes.map((_, position) => (incremental ? taskId * perTask : 0) + position),
      outputSize: incremental ? classOrder.length : perTask,
      transform: undefined,
      extra: {},
    };
  });
  return buildTasks(source, options, plans);
}

/**
 * Permuted benchmark (Permuted MNIST): every task holds all classes with its own fixed, seeded
 * permutation of the features.
 */
export function permutedBenchmark(source: BenchmarkSource, options: PermutedBenchmarkOptions): BenchmarkTask[] {
  const { tasks, seed } = checkOptions(source, options);
  const size = featureSize(source.train.featureShape);
  return buildTasks(
    source,
    options,
    Array.from({ length: tasks }, (_, taskId) => {
      const permutation =
        taskId === 0 && options.keepFirstTaskUnpermuted
          ? Int32Array.from({ length: size }, (_, i) => i)
          : randomStream(seed, 'permutation', taskId).permutation(size);
      const transform: SampleTransform = (from, fromOffset, to, toOffset) => {
        for (let j = 0; j < size; j++) to[toOffset + j] = from[fromOffset + permutation[j]!]!;
      };
      return { ...sameClassesPlan(source, options, taskId), transform, extra: { permutation } };
    }),
  );
}

/**
 * Rotated benchmark (Rotated MNIST): every task holds all classes, each image rotated by the task's
 * angle (bilinear, zero fill outside the image).
 */
export function rotatedBenchmark(source: BenchmarkSource, options: RotatedBenchmarkOptions): BenchmarkTask[] {
  const { tasks, seed } = checkOptions(source, options);
  const layout: ImageLayout = imageLayout(source.train.featureShape, options.imageShape ?? source.imageShape, 'imageShape');
  const maxAngle = checkOption('positiveNumber', 'maxAngle', options.maxAngle ?? 180);
  const angleRandom = randomStream(seed, 'angles');
  const angles = options.angles ?? Array.from({ length: tasks }, () => angleRandom.next() * maxAngle);
  if (angles.length !== tasks || !angles.every(Number.isFinite)) {
    throw new DataError(
      'INVALID_ARGUMENT',
      `angles must hold ${tasks} finite numbers (one per task), got ${JSON.stringify(angles)}.`,
      { key: 'angles' },
    );
  }
  return buildTasks(
    source,
    options,
    angles.map((angle, taskId) => {
      const table = rotationTable(layout.height, layout.width, angle);
      const transform: SampleTransform = (from, fromOffset, to, toOffset) =>
        rotateImage(table, layout, from, fromOffset, to, toOffset);
      return { ...sameClassesPlan(source, options, taskId), transform, extra: { angle } };
    }),
  );
}

function sameClassesPlan(
  source: BenchmarkSource,
  options: BenchmarkOptions,
  taskId: number,
): Omit<TaskPlan, 'transform' | 'extra'> {
  const classes = Array.from({ length: source.numClasses }, (_, c) => c);
  const incremental = options.scenario === 'class-incremental';
  return {
    taskId,
    classes,
    // Class-incremental: task t's classes take labels t*K..t*K+K-1, so the head has tasks * K outputs.
    targetLabels: classes.map((c) => (incremental ? taskId * source.numClasses : 0) + c),
    outputSize: incremental ? options.tasks * source.numClasses : source.numClasses,
  };
}

function buildTasks(source: BenchmarkSource, options: BenchmarkOptions, plans: TaskPlan[]): BenchmarkTask[] {
  const validationFraction = options.validationFraction ?? 0.1;
  const byClassTrain = indicesByClass(source.train.labels, source.numClasses);
  const byClassTest = indicesByClass(source.test.labels, source.numClasses);
  return plans.map((plan) => {
    const random = (purpose: string) => randomStream(options.seed, 'task', plan.taskId, purpose);
    const trainPool = subsample(concatClasses(byClassTrain, plan.classes), options.trainSamplesPerTask, random('train-subset'));
    const { train, val } = carveValidation(trainPool, source.train.labels, validationFraction, random('validation'));
    random('train-order').shuffle(train);
    random('val-order').shuffle(val);
    const test = subsample(concatClasses(byClassTest, plan.classes), options.testSamplesPerTask, random('test-subset'));
    if (val.length === 0) {
      throw new DataError(
        'EMPTY_SPLIT',
        `Task ${plan.taskId}: validationFraction ${validationFraction} of ${trainPool.length} training samples leaves no validation sample. Raise validationFraction or trainSamplesPerTask.`,
        { split: 'val', key: 'validationFraction' },
      );
    }
    const labelMap = new Map(plan.classes.map((c, i) => [c, plan.targetLabels[i]!]));
    return {
      taskId: plan.taskId,
      scenario: options.scenario,
      classes: plan.classes,
      targetLabels: plan.targetLabels,
      outputSize: plan.outputSize,
      train: materialise(source.train, train, labelMap, plan.transform),
      val: materialise(source.train, val, labelMap, plan.transform),
      test: materialise(source.test, test, labelMap, plan.transform),
      sourceIndices: { train: Int32Array.from(train), val: Int32Array.from(val), test: Int32Array.from(test) },
      ...plan.extra,
    };
  });
}

/** Options of {@link trainTestSplit}. */
export interface TrainTestSplitOptions {
  /** Share of each class held out as the test split, in (0, 1). */
  testFraction: number;
  seed: number;
}

/**
 * Splits one labelled split (e.g. from a CSV file) into train and test, per class so both keep the
 * class mix; seeded, and each part in a seeded order.
 */
export function trainTestSplit(split: DataSplit, options: TrainTestSplitOptions): { train: DataSplit; test: DataSplit } {
  const { seed } = options;
  assertSeed(seed);
  const testFraction = checkFraction('testFraction', options.testFraction);
  validateSplit(split, { split: 'split', checkFinite: false });
  const all = Array.from({ length: split.labels.length }, (_, i) => i);
  const { train, val: test } = carveValidation(all, split.labels, testFraction, randomStream(seed, 'train-test'));
  randomStream(seed, 'train-order').shuffle(train);
  randomStream(seed, 'test-order').shuffle(test);
  const identity = new Map<number, number>();
  for (const label of split.labels) identity.set(label, label);
  return { train: materialise(split, train, identity, undefined), test: materialise(split, test, identity, undefined) };
}

function checkOptions(source: BenchmarkSource, options: BenchmarkOptions): { tasks: number; seed: number; scenario: Scenario } {
  if (typeof options !== 'object' || options === null) {
    throw new DataError('INVALID_ARGUMENT', `Benchmark options are required: { tasks, seed, scenario, validationFraction? }.`, {
      key: 'options',
    });
  }
  const { tasks, seed, scenario, validationFraction = 0.1 } = options;
  checkOption('positiveInteger', 'tasks', tasks);
  assertSeed(seed);
  checkOption('oneOf', 'scenario', scenario, SCENARIOS);
  checkFraction('validationFraction', validationFraction);
  for (const key of ['trainSamplesPerTask', 'testSamplesPerTask'] as const) {
    if (options[key] !== undefined) checkOption('positiveInteger', key, options[key]);
  }
  checkOption('positiveInteger', 'numClasses', source?.numClasses);
  // Structure and labels only: a pass over every feature for NaN belongs to DataManager.addTask.
  validateSplit(source.train, { split: 'train', numClasses: source.numClasses, checkFinite: false });
  validateSplit(source.test, { split: 'test', numClasses: source.numClasses, checkFinite: false });
  if (featureSize(source.train.featureShape) !== featureSize(source.test.featureShape)) {
    throw new DataError(
      'FEATURE_SHAPE_MISMATCH',
      `train samples have featureShape ${JSON.stringify(source.train.featureShape)} but test samples ${JSON.stringify(source.test.featureShape)}.`,
      { split: 'test' },
    );
  }
  return { tasks, seed, scenario };
}

function checkClassOrder(classOrder: number[], numClasses: number, tasks: number): void {
  const distinct = new Set(classOrder);
  const valid =
    Array.isArray(classOrder) &&
    distinct.size === classOrder.length &&
    classOrder.every((c) => Number.isInteger(c) && c >= 0 && c < numClasses);
  if (!valid) {
    throw new DataError(
      'INVALID_ARGUMENT',
      `classOrder must list distinct classes in [0, ${numClasses}), got ${JSON.stringify(classOrder)}.`,
      { key: 'classOrder' },
    );
  }
  if (classOrder.length % tasks !== 0) {
    throw new DataError(
      'INVALID_ARGUMENT',
      `${classOrder.length} classes cannot be dealt evenly to ${tasks} tasks. Choose tasks dividing ${classOrder.length}, or pass a classOrder with a multiple of ${tasks} classes.`,
      { key: 'tasks' },
    );
  }
}

function indicesByClass(labels: Int32Array, numClasses: number): number[][] {
  const byClass = Array.from({ length: numClasses }, () => [] as number[]);
  labels.forEach((label, index) => byClass[label]!.push(index));
  return byClass;
}

function concatClasses(byClass: number[][], classes: number[]): number[] {
  return classes.flatMap((c) => byClass[c]!);
}

function subsample(pool: number[], limit: number | undefined, random: SeededRandom): number[] {
  if (limit === undefined || limit >= pool.length) return pool;
  return random
    .shuffle([...pool])
    .slice(0, limit)
    .sort((a, b) => a - b);
}

// Per class, round(count * fraction) seeded picks go to validation: both splits keep the class mix.
function carveValidation(
  pool: number[],
  labels: Int32Array,
  fraction: number,
  random: SeededRandom,
): { train: number[]; val: number[] } {
  const byClass = new Map<number, number[]>();
  for (const index of pool) {
    const label = labels[index]!;
    if (!byClass.has(label)) byClass.set(label, []);
    byClass.get(label)!.push(index);
  }
  const train: number[] = [];
  const val: number[] = [];
  for (const label of [...byClass.keys()].sort((a, b) => a - b)) {
    const members = random.shuffle(byClass.get(label)!);
    const held = Math.round(members.length * fraction);
    members.forEach((index, position) => (position < held ? val : train).push(index));
  }
  return { train, val };
}

function materialise(
  source: DataSplit,
  indices: number[],
  labelMap: Map<number, number>,
  transform: SampleTransform | undefined,
): DataSplit {
  const size = featureSize(source.featureShape);
  const features = new Float32Array(indices.length * size);
  const labels = new Int32Array(indices.length);
  indices.forEach((index, position) => {
    if (transform) transform(source.features, index * size, features, position * size);
    else features.set(source.features.subarray(index * size, (index + 1) * size), position * size);
    labels[position] = labelMap.get(source.labels[index]!)!;
  });
  return { features, labels, featureShape: [...source.featureShape] };
}
