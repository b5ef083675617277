import { existsSync } from 'node:fs';
import path from 'node:path';
import {
  loadIdxDataset,
  loadMnist,
  permutedBenchmark,
  rotatedBenchmark,
  splitBenchmark,
  type BenchmarkTask,
  type Scenario,
} from '@holomind/data';
import { CliError } from '../errors.js';
import type { HolomindConfig } from '../config/schema.js';

/** A continual-learning task sequence ready to train on. */
export interface ContinualBenchmark {
  name: HolomindConfig['benchmark'];
  scenario: Scenario;
  tasks: BenchmarkTask[];
  inputShape: number[];
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

/**
 * Builds the configured benchmark. Split benchmarks are task-incremental (a head per task, as in
 * van de Ven & Tolias 2019); permuted and rotated ones are domain-incremental (one shared head).
 */
export async function buildBenchmark(config: HolomindConfig): Promise<ContinualBenchmark> {
  const { seed, training } = config;
  const common = {
    tasks: training.tasks,
    seed,
    trainSamplesPerTask: training.trainPerTask,
    testSamplesPerTask: training.testPerTask,
  };
  switch (config.benchmark) {
    case 'split-mnist': {
      const mnist = await loadMnist({ seed });
      const tasks = splitBenchmark(mnist, { ...common, scenario: 'task-incremental', classOrder: pairedClasses(training.tasks) });
      return { name: config.benchmark, scenario: 'task-incremental', tasks, inputShape: [784] };
    }
    case 'split-fashion-mnist': {
      requireFashionMnist(config.dataDir);
      const fashion = await loadIdxDataset(config.dataDir, { kind: 'fashion-mnist' });
      const tasks = splitBenchmark(fashion, {
        ...common,
        scenario: 'task-incremental',
        classOrder: pairedClasses(training.tasks),
      });
      return { name: config.benchmark, scenario: 'task-incremental', tasks, inputShape: [784] };
    }
    case 'permuted-mnist': {
      const mnist = await loadMnist({ seed });
      const tasks = permutedBenchmark(mnist, { ...common, scenario: 'domain-incremental' });
      return { name: config.benchmark, scenario: 'domain-incremental', tasks, inputShape: [784] };
    }
    case 'rotated-mnist': {
      const mnist = await loadMnist({ seed });
      const tasks = rotatedBenchmark(mnist, { ...common, scenario: 'domain-incremental' });
      return { name: config.benchmark, scenario: 'domain-incremental', tasks, inputShape: [784] };
    }
  }
}
