import * as tf from '@tensorflow/tfjs-core';
import { TensorKernelsError } from './errors.js';

/** Samples as HoloMind names them: `inputs` [N, ...] and `labels` [N] or [N, ...]. */
export interface InputsAndLabels {
  inputs: tf.Tensor;
  labels: tf.Tensor;
}

/** Samples as `model.fit` and `tf.data` name them: `xs` [N, ...] and `ys` [N] or [N, ...]. */
export interface XsAndYs {
  xs: tf.Tensor;
  ys: tf.Tensor;
}

/** One element of a data set: either naming, or `[xs, ys]` as `model.fitDataset` also takes. */
export type TrainingElement = InputsAndLabels | XsAndYs | [tf.Tensor, tf.Tensor];

/**
 * A `tf.data.Dataset`, typed by the one method used so `@tensorflow/tfjs-data` is not a dependency.
 * Its elements must be {@link TrainingElement}s (checked as they are read: tf.data types them as
 * `TensorContainer`). As for `model.fitDataset`, each element is a batch (`dataset.batch(n)`); an
 * element whose label is a scalar is one sample.
 */
export interface DatasetLike<Element = unknown> {
  iterator(): Promise<{ next(): Promise<IteratorResult<Element>> }>;
}

/** Training data in any of the forms TensorFlow.js users hold it. */
export type TrainingData = InputsAndLabels | XsAndYs | DatasetLike;

/** {@link resolveTrainingData}'s result: one pair of tensors, and how to release what it made. */
export interface ResolvedTrainingData extends InputsAndLabels {
  /** Disposes the tensors the conversion created (none when the caller's tensors were used as they are). */
  dispose(): void;
}

function isTensor(value: unknown): value is tf.Tensor {
  return (
    value instanceof tf.Tensor ||
    (typeof value === 'object' &&
      value !== null &&
      Array.isArray((value as tf.Tensor).shape) &&
      typeof (value as tf.Tensor).dataSync === 'function')
  );
}

function isDataset(value: unknown): value is DatasetLike {
  return typeof value === 'object' && value !== null && typeof (value as DatasetLike).iterator === 'function';
}

const FORMS = '{ inputs, labels }, { xs, ys } (as model.fit and tf.data name them) or a tf.data.Dataset of either';

function describe(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value) ?? String(value);
  return `an object with keys [${Object.keys(value).join(', ')}]`;
}

/** The tensor pair of one object, or undefined when it is none of the accepted forms. */
function pairOf(value: unknown): InputsAndLabels | undefined {
  if (Array.isArray(value) && value.length === 2 && isTensor(value[0]) && isTensor(value[1])) {
    return { inputs: value[0], labels: value[1] };
  }
  if (typeof value !== 'object' || value === null) return undefined;
  const { inputs, labels, xs, ys } = value as Partial<InputsAndLabels & XsAndYs>;
  if (isTensor(inputs) && isTensor(labels)) return { inputs, labels };
  if (isTensor(xs) && isTensor(ys)) return { inputs: xs, labels: ys };
  return undefined;
}

/** Reads every element of a data set and joins them along the first axis. */
async function fromDataset(dataset: DatasetLike, what: string): Promise<ResolvedTrainingData> {
  const inputs: tf.Tensor[] = [];
  const labels: tf.Tensor[] = [];
  const release = () => tf.dispose([...inputs, ...labels]);
  try {
    const iterator = await dataset.iterator();
    for (let element = await iterator.next(); !element.done; element = await iterator.next()) {
      const pair = pairOf(element.value);
      if (!pair) {
        throw new TensorKernelsError(
          'INVALID_ARGUMENT',
          `${what}: element ${inputs.length} of the tf.data.Dataset is ${describe(element.value)}; each element must be ` +
            '{ xs, ys }, { inputs, labels } or [xs, ys] (map the dataset to that shape).',
        );
      }
      inputs.push(pair.inputs);
      labels.push(pair.labels);
    }
  } catch (error) {
    release();
    throw error;
  }
  if (inputs.length === 0) {
    throw new TensorKernelsError(
      'INVALID_ARGUMENT',
      `${what}: the tf.data.Dataset has no elements; give it at least one sample.`,
    );
  }
  // Elements whose label is a scalar are single samples (an unbatched dataset); others are batches.
  const single = labels[0]!.rank === 0;
  try {
    const joined = tf.tidy(() => ({
      inputs: single ? tf.stack(inputs) : tf.concat(inputs, 0),
      labels: single ? tf.stack(labels) : tf.concat(labels, 0),
    }));
    return { ...joined, dispose: () => tf.dispose([joined.inputs, joined.labels]) };
  } catch (error) {
    throw new TensorKernelsError(
      'INVALID_ARGUMENT',
      `${what}: the tf.data.Dataset's elements cannot be joined (${(error as Error).message}); every element must hold ` +
        'inputs of one shape per sample and labels of one shape per sample.',
      { cause: error },
    );
  } finally {
    // Each element's tensors belong to the consumer, as in model.fitDataset; they are copied now.
    release();
  }
}

/**
 * The one conversion of training data for every HoloMind API that takes it: `{ inputs, labels }`,
 * `{ xs, ys }` or a `tf.data.Dataset` of either (or of `[xs, ys]`) becomes `{ inputs, labels }`.
 * Tensors given directly are used as they are (dispose() leaves them alone); a data set is read
 * to the end and joined along the first axis (dispose() frees the joined tensors).
 *
 * @example
 * const data = await resolveTrainingData(tf.data.array(samples).batch(32));
 * try { model.predict(data.inputs); } finally { data.dispose(); }
 */
export async function resolveTrainingData(data: unknown, what = 'data'): Promise<ResolvedTrainingData> {
  const pair = pairOf(data);
  if (pair) return { ...pair, dispose: () => undefined };
  if (isDataset(data)) return fromDataset(data, what);
  throw new TensorKernelsError('INVALID_ARGUMENT', `${what} is ${describe(data)}; give ${FORMS}.`);
}

/** The synchronous part of {@link resolveTrainingData}: tensor pairs only (a data set needs `await`). */
export function trainingTensors(data: unknown, what = 'data'): InputsAndLabels {
  const pair = pairOf(data);
  if (pair) return pair;
  throw new TensorKernelsError(
    'INVALID_ARGUMENT',
    `${what} is ${describe(data)}; give { inputs, labels } or { xs, ys } tensors` +
      (isDataset(data) ? ' (a tf.data.Dataset is read by the asynchronous APIs only).' : '.'),
  );
}
