import { DataError } from './errors.js';
import { checkOption } from './option-checks.js';

/**
 * Samples of one split, stored flat: sample `i` occupies
 * `features[i * featureSize .. (i + 1) * featureSize)` where `featureSize = product(featureShape)`.
 */
export interface DataSplit {
  /** [count, ...featureShape], row-major. */
  features: Float32Array;
  /** [count] class indices. */
  labels: Int32Array;
  /** Shape of one sample, e.g. [784] or [28, 28, 1]. */
  featureShape: number[];
}

/** A labelled data set with a train and a test split, as the loaders return it. */
export interface Dataset {
  /** Short name, e.g. `fashion-mnist`. */
  name: string;
  train: DataSplit;
  test: DataSplit;
  /** Labels are in [0, numClasses). */
  numClasses: number;
  /** One readable name per class index. */
  classNames: string[];
  /** [height, width] when samples are images (flattened in `features`). */
  imageShape?: [number, number];
}

/** A split of images; `images` is the very same array as `features` ([count, height * width], 0..1). */
export interface ImageSplit extends DataSplit {
  images: Float32Array;
}

/** A data set of grey-scale images whose pixels are in [0, 1]. */
export interface ImageDataset extends Dataset {
  train: ImageSplit;
  test: ImageSplit;
  imageShape: [number, number];
}

/** Input accepted by {@link createSplit}: any numeric arrays. */
export interface SplitInput {
  features: ArrayLike<number>;
  labels: ArrayLike<number>;
  featureShape: readonly number[];
}

/** Number of values in one sample. */
export function featureSize(featureShape: readonly number[]): number {
  return featureShape.reduce((product, dimension) => product * dimension, 1);
}

/** Number of samples in a split. */
export function sampleCount(split: DataSplit): number {
  return split.labels.length;
}

/** Options of {@link validateSplit}. */
export interface ValidateSplitOptions {
  /** Split name used in messages (`train`, `val`, `test`). */
  split?: string;
  /** When set, labels must lie in [0, numClasses). */
  numClasses?: number;
  /** Allow zero samples (default false). */
  allowEmpty?: boolean;
  /** Check every feature is finite (default true; costs one pass over the data). */
  checkFinite?: boolean;
}

/** Throws unless `featureShape` is a non-empty list of positive integers. */
export function assertFeatureShape(featureShape: unknown, key = 'featureShape'): asserts featureShape is number[] {
  if (
    !Array.isArray(featureShape) ||
    featureShape.length === 0 ||
    !featureShape.every((dimension) => Number.isInteger(dimension) && dimension > 0)
  ) {
    throw new DataError(
      'FEATURE_SHAPE_MISMATCH',
      `${key} must be a non-empty array of positive integers (the shape of one sample, e.g. [784]), got ${JSON.stringify(featureShape)}.`,
      { key },
    );
  }
}

/**
 * Checks a split's structure and values; throws a {@link DataError} naming the split and the first
 * offending sample: LENGTH_MISMATCH, FEATURE_SHAPE_MISMATCH, EMPTY_SPLIT, LABEL_NOT_INTEGER,
 * LABEL_OUT_OF_RANGE, NON_FINITE_FEATURE.
 */
export function validateSplit(split: SplitInput, options: ValidateSplitOptions = {}): void {
  const name = options.split ?? 'split';
  assertFeatureShape(split.featureShape, `${name}.featureShape`);
  const size = featureSize(split.featureShape);
  const count = split.labels.length;
  if (split.features.length !== count * size) {
    const whole = split.features.length % size === 0;
    throw new DataError(
      'LENGTH_MISMATCH',
      `${name}: ${count} labels need ${count} x ${size} = ${count * size} feature values (featureShape ${JSON.stringify(split.featureShape)}), ` +
        `got ${split.features.length}` +
        (whole
          ? ` = ${split.features.length / size} samples. Make features and labels hold the same samples.`
          : `, not a whole number of samples. Check featureShape.`),
      { split: name },
    );
  }
  if (count === 0 && !options.allowEmpty) {
    throw new DataError('EMPTY_SPLIT', `${name} has no samples. Every split needs at least one sample.`, { split: name });
  }
  const numClasses = options.numClasses;
  for (let i = 0; i < count; i++) {
    const label = split.labels[i]!;
    if (!Number.isInteger(label)) {
      throw new DataError(
        'LABEL_NOT_INTEGER',
        `${name}: label of sample ${i} is ${label}; labels must be integer class indices.`,
        {
          split: name,
          sampleIndex: i,
        },
      );
    }
    if (label < 0 || (numClasses !== undefined && label >= numClasses)) {
      throw new DataError(
        'LABEL_OUT_OF_RANGE',
        `${name}: label of sample ${i} is ${label}, outside [0, ${numClasses ?? 'numClasses'}). ` +
          `Remap labels to 0..${numClasses === undefined ? 'numClasses-1' : numClasses - 1} or raise numClasses.`,
        { split: name, sampleIndex: i },
      );
    }
  }
  if (options.checkFinite !== false) {
    const index = firstNonFinite(split.features);
    if (index >= 0) {
      const sample = Math.floor(index / size);
      throw new DataError(
        'NON_FINITE_FEATURE',
        `${name}: sample ${sample} has ${split.features[index]} at feature ${index - sample * size}. ` +
          `Remove or impute missing values first (PreprocessingPipeline validation.missingValues: drop | impute-mean).`,
        { split: name, sampleIndex: sample },
      );
    }
  }
}

/** Index of the first NaN or infinite value, or -1 when all are finite. */
export function firstNonFinite(values: ArrayLike<number>): number {
  for (let i = 0; i < values.length; i++) {
    // x - x is NaN exactly for NaN and ±Infinity; cheaper than Number.isFinite in hot loops.
    const value = values[i]!;
    if (value - value !== 0) return i;
  }
  return -1;
}

/**
 * Validates plain arrays and returns them as a {@link DataSplit} (Float32Array features, Int32Array
 * labels). Typed arrays of the right type are used as they are, not copied.
 *
 * @example
 * const split = createSplit({ features: [0, 1, 1, 0], labels: [0, 1], featureShape: [2] }, { numClasses: 2 });
 */
export function createSplit(input: SplitInput, options: ValidateSplitOptions = {}): DataSplit {
  validateSplit(input, options);
  return {
    features: input.features instanceof Float32Array ? input.features : Float32Array.from(input.features),
    labels: input.labels instanceof Int32Array ? input.labels : Int32Array.from(input.labels),
    featureShape: [...input.featureShape],
  };
}

/** A new split holding copies of the samples at `indices`, in that order. */
export function selectSamples(split: DataSplit, indices: ArrayLike<number>): DataSplit {
  const size = featureSize(split.featureShape);
  const features = new Float32Array(indices.length * size);
  const labels = new Int32Array(indices.length);
  for (let i = 0; i < indices.length; i++) {
    const source = indices[i]!;
    features.set(split.features.subarray(source * size, (source + 1) * size), i * size);
    labels[i] = split.labels[source]!;
  }
  return { features, labels, featureShape: [...split.featureShape] };
}

/** The same data seen with another sample shape of equal size, e.g. [784] as [28, 28, 1] for convolutions. */
export function withFeatureShape(split: DataSplit, featureShape: number[]): DataSplit {
  assertFeatureShape(featureShape);
  const from = featureSize(split.featureShape);
  if (featureSize(featureShape) !== from) {
    throw new DataError(
      'FEATURE_SHAPE_MISMATCH',
      `featureShape ${JSON.stringify(featureShape)} holds ${featureSize(featureShape)} values per sample; the split has ${from} (${JSON.stringify(split.featureShape)}).`,
      { key: 'featureShape' },
    );
  }
  return { features: split.features, labels: split.labels, featureShape: [...featureShape] };
}

/** Samples per class: entry `c` counts labels equal to `c`; the length is `numClasses` (or max label + 1). */
export function classCounts(labels: ArrayLike<number>, numClasses?: number): number[] {
  let classes = numClasses ?? 0;
  if (numClasses === undefined) for (let i = 0; i < labels.length; i++) classes = Math.max(classes, labels[i]! + 1);
  const counts = new Array<number>(classes).fill(0);
  for (let i = 0; i < labels.length; i++) counts[labels[i]!]!++;
  return counts;
}

/** Input of {@link createDataset}: plain or typed arrays per split. */
export interface DatasetInput {
  name?: string;
  train: SplitInput;
  test: SplitInput;
  numClasses: number;
  classNames?: string[];
  imageShape?: [number, number];
}

/**
 * A {@link Dataset} from arrays you already have (plain or typed), validated: matching lengths,
 * equal featureShapes, integer labels in [0, numClasses), finite features.
 */
export function createDataset(input: DatasetInput): Dataset {
  checkOption('positiveInteger', 'numClasses', input.numClasses);
  const train = createSplit(input.train, { split: 'train', numClasses: input.numClasses });
  const test = createSplit(input.test, { split: 'test', numClasses: input.numClasses });
  if (
    featureSize(train.featureShape) !== featureSize(test.featureShape) ||
    train.featureShape.length !== test.featureShape.length
  ) {
    throw new DataError(
      'FEATURE_SHAPE_MISMATCH',
      `test samples have featureShape ${JSON.stringify(test.featureShape)} but train samples ${JSON.stringify(train.featureShape)}.`,
      { split: 'test' },
    );
  }
  const classNames = input.classNames ?? Array.from({ length: input.numClasses }, (_, c) => String(c));
  if (classNames.length !== input.numClasses) {
    throw new DataError('INVALID_ARGUMENT', `classNames has ${classNames.length} names for ${input.numClasses} classes.`, {
      key: 'classNames',
    });
  }
  return {
    name: input.name ?? 'dataset',
    train,
    test,
    numClasses: input.numClasses,
    classNames,
    ...(input.imageShape ? { imageShape: input.imageShape } : {}),
  };
}
