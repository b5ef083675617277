import { stat } from 'node:fs/promises';
import {
  DataError,
  loadIdxDataset,
  readCsvDataset,
  splitBenchmark,
  trainTestSplit,
  type BenchmarkSource,
  type BenchmarkTask,
  type Scenario,
} from '@holomind/data';
import { CliError } from '../errors.js';
import type { HolomindConfig } from '../config/schema.js';

/** The `data` section of a configuration (`--data` and its flags). */
export type DataConfig = NonNullable<HolomindConfig['data']>;

/** A user's data set cut into tasks, with what the run must remember about it. */
export interface UserBenchmark {
  tasks: BenchmarkTask[];
  inputShape: number[];
  source: string;
  numClasses: number;
  classNames?: string[];
}

/** Which flag and configuration key set a `data` field, for messages. */
const KEYS = {
  path: '--data (data.path)',
  labelColumn: '--label-column (data.labelColumn)',
  featureColumns: '--feature-columns (data.featureColumns)',
  classesPerTask: '--classes-per-task (data.classesPerTask)',
  classOrder: '--class-order (data.classOrder)',
  tasks: '--tasks (training.tasks)',
} as const;

function dataError(message: string, cause?: unknown): CliError {
  return new CliError('DATA_INVALID', message, cause === undefined ? undefined : { cause });
}

/** Loads the CSV file (split into train and test by `testFraction`) or the IDX folder (its own split). */
async function loadSource(
  data: DataConfig,
  seed: number,
): Promise<BenchmarkSource & { classNames?: string[]; description: string }> {
  let isFolder: boolean;
  try {
    isFolder = (await stat(data.path)).isDirectory();
  } catch (error) {
    throw new CliError(
      'DATA_MISSING',
      `${KEYS.path}: '${data.path}' does not exist (relative paths start at ${process.cwd()}). Give a CSV file or a folder of IDX files.`,
      { cause: error },
    );
  }
  if (isFolder) {
    // The IDX readers know MNIST's and Fashion-MNIST's ten classes; the kind only names the classes.
    const dataset = await loadIdxDataset(data.path, { kind: /fashion/i.test(data.path) ? 'fashion-mnist' : 'mnist' });
    return {
      ...dataset,
      description: `${data.path} (IDX, ${dataset.train.labels.length} + ${dataset.test.labels.length} samples)`,
    };
  }
  try {
    const csv = await readCsvDataset(data.path, {
      ...(data.labelColumn !== undefined ? { labelColumn: data.labelColumn } : {}),
      ...(data.featureColumns ? { featureColumns: data.featureColumns } : {}),
    });
    const { train, test } = trainTestSplit(csv, { testFraction: data.testFraction, seed });
    return {
      train,
      test,
      numClasses: csv.numClasses,
      ...(csv.classNames ? { classNames: csv.classNames } : {}),
      description: `${data.path} (CSV, ${csv.labels.length} rows of ${csv.featureShape[0]} features, ${Math.round(data.testFraction * 100)}% held out for test)`,
    };
  } catch (error) {
    if (DataError.isInstance(error) && (error.key === 'labelColumn' || error.key === 'featureColumns')) {
      throw dataError(`${KEYS[error.key]}: ${error.message}`, error);
    }
    throw error;
  }
}

function divisors(count: number): number[] {
  return Array.from({ length: count }, (_, i) => i + 1).filter((d) => count % d === 0);
}

/** The class order and task count the `data` section asks for, checked against the data's classes. */
export function planClasses(data: DataConfig, numClasses: number, tasks: number): { classOrder: number[]; tasks: number } {
  if (data.classesPerTask !== undefined && data.classOrder !== undefined) {
    throw dataError(
      `Give ${KEYS.classesPerTask} or ${KEYS.classOrder}, not both: the class order already fixes the classes of every task.`,
    );
  }
  const all = Array.from({ length: numClasses }, (_, c) => c);
  if (data.classOrder !== undefined) {
    const order = data.classOrder;
    const repeated = [...new Set(order.filter((c, i) => order.indexOf(c) !== i))];
    const unknown = order.filter((c) => c >= numClasses);
    const missing = all.filter((c) => !order.includes(c));
    if (repeated.length || unknown.length || missing.length) {
      const problems = [
        repeated.length ? `repeats ${repeated.join(', ')}` : '',
        unknown.length ? `names ${unknown.join(', ')}, which the data does not have` : '',
        missing.length ? `omits ${missing.join(', ')}` : '',
      ].filter(Boolean);
      throw dataError(
        `${KEYS.classOrder} ${order.join(',')} ${problems.join(' and ')}. List each of the data's ${numClasses} classes ` +
          `(0-${numClasses - 1}) exactly once, e.g. --class-order ${all.join(',')}.`,
      );
    }
    if (order.length % tasks !== 0) {
      throw dataError(
        `${KEYS.classOrder} holds ${order.length} classes, which cannot be dealt evenly to ${tasks} tasks (${KEYS.tasks}). ` +
          `Use --tasks ${divisors(order.length).join(' | ')}.`,
      );
    }
    return { classOrder: order, tasks };
  }
  if (data.classesPerTask !== undefined) {
    if (numClasses % data.classesPerTask !== 0 || data.classesPerTask > numClasses) {
      throw dataError(
        `${KEYS.classesPerTask} ${data.classesPerTask}: the data's ${numClasses} classes cannot be split into tasks of ` +
          `${data.classesPerTask} classes each. Use --classes-per-task ${divisors(numClasses).join(' | ')}.`,
      );
    }
    return { classOrder: all, tasks: numClasses / data.classesPerTask };
  }
  if (numClasses % tasks !== 0) {
    throw dataError(
      `The data's ${numClasses} classes cannot be split into ${tasks} tasks (${KEYS.tasks}) of equal size. ` +
        `Use --tasks ${divisors(numClasses).join(' | ')}, or --classes-per-task.`,
    );
  }
  return { classOrder: all, tasks };
}

/** Every class a task holds must have training and test samples, or its accuracy means nothing. */
function checkClassesPresent(source: BenchmarkSource, classOrder: number[], path: string): void {
  for (const [split, labels] of [
    ['train', source.train.labels],
    ['test', source.test.labels],
  ] as const) {
    const counts = new Int32Array(source.numClasses);
    for (const label of labels) counts[label]!++;
    const empty = classOrder.filter((c) => counts[c] === 0);
    if (empty.length) {
      throw dataError(
        `${path}: class(es) ${empty.join(', ')} have no ${split} samples, so no task can hold them. ` +
          'Add samples of those classes, lower --test-fraction (CSV), or leave them out of the data.',
      );
    }
  }
}

/**
 * The user's data set (a CSV file or an IDX folder) as a split benchmark in the configured
 * scenario: classes dealt to tasks by `classesPerTask`, `classOrder` or `training.tasks`, each
 * problem a named error naming the flag, the key and the fix.
 */
export async function buildUserBenchmark(config: HolomindConfig, scenario: Scenario): Promise<UserBenchmark> {
  const data = config.data!;
  const source = await loadSource(data, config.seed);
  const { classOrder, tasks } = planClasses(data, source.numClasses, config.training.tasks);
  checkClassesPresent(source, classOrder, data.path);
  const built = splitBenchmark(source, {
    tasks,
    seed: config.seed,
    scenario,
    classOrder,
    ...(config.training.trainPerTask ? { trainSamplesPerTask: config.training.trainPerTask } : {}),
    ...(config.training.testPerTask ? { testSamplesPerTask: config.training.testPerTask } : {}),
  });
  return {
    tasks: built,
    inputShape: [...source.train.featureShape],
    source: source.description,
    numClasses: source.numClasses,
    ...(source.classNames ? { classNames: source.classNames } : {}),
  };
}
