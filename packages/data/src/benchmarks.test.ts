import { createHash } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  createDataset,
  loadIdxDataset,
  loadMnist,
  permutedBenchmark,
  rotatedBenchmark,
  splitBenchmark,
  trainTestSplit,
  type BenchmarkTask,
  type DataSplit,
  type ImageDataset,
} from './index.js';
import { classCounts } from './split.js';
import { bytesOf, caughtSync as caught, fashionMnistDirectory, fashionMnistMissing } from '../test/support.js';

const missing = fashionMnistMissing();

/** SHA-256 over everything a benchmark produced: equal fingerprints = identical benchmarks. */
function fingerprint(tasks: BenchmarkTask[]): string {
  const hash = createHash('sha256');
  for (const task of tasks) {
    hash.update(JSON.stringify([task.taskId, task.classes, task.targetLabels, task.outputSize, task.angle ?? null]));
    for (const split of [task.train, task.val, task.test]) hash.update(bytesOf(split.features)).update(bytesOf(split.labels));
    if (task.permutation) hash.update(bytesOf(task.permutation));
  }
  return hash.digest('hex');
}

const row = (split: DataSplit, sample: number) => split.features.subarray(sample * 784, (sample + 1) * 784);

describe.skipIf(missing)('benchmarks on the real Fashion-MNIST', () => {
  let fashion: ImageDataset;
  beforeAll(async () => {
    fashion = await loadIdxDataset(fashionMnistDirectory, { kind: 'fashion-mnist' });
  });

  it('split: 5 tasks of 2 classes, stratified 10% validation, source samples and labels traced exactly', () => {
    const tasks = splitBenchmark(fashion, { tasks: 5, seed: 11, scenario: 'class-incremental', validationFraction: 0.1 });
    expect(tasks.flatMap((task) => task.classes).sort((a, b) => a - b)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    for (const task of tasks) {
      const t = task.taskId;
      expect(task.targetLabels).toEqual([2 * t, 2 * t + 1]);
      expect(task.outputSize).toBe(10);
      expect([task.train.labels.length, task.val.labels.length, task.test.labels.length]).toEqual([10_800, 1_200, 2_000]);
      // Balanced: 600 validation and 1,000 test samples of each of the task's classes.
      expect(classCounts(task.val.labels, 10).filter((count) => count > 0)).toEqual([600, 600]);
      expect(classCounts(task.test.labels, 10).filter((count) => count > 0)).toEqual([1_000, 1_000]);
      // Train and validation are disjoint and together are every training sample of the two classes.
      const used = new Set([...task.sourceIndices.train, ...task.sourceIndices.val]);
      expect(used.size).toBe(12_000);
      expect([...used].every((index) => task.classes.includes(fashion.train.labels[index]!))).toBe(true);
      let wrongLabels = 0;
      let wrongImages = 0;
      for (const [split, indices, source] of [
        [task.train, task.sourceIndices.train, fashion.train],
        [task.val, task.sourceIndices.val, fashion.train],
        [task.test, task.sourceIndices.test, fashion.test],
      ] as const) {
        for (let sample = 0; sample < split.labels.length; sample++) {
          const from = indices[sample]!;
          if (split.labels[sample] !== task.targetLabels[task.classes.indexOf(source.labels[from]!)]) wrongLabels++;
          if (!bytesOf(row(split, sample)).equals(bytesOf(row(source, from)))) wrongImages++;
        }
      }
      expect({ wrongLabels, wrongImages }).toEqual({ wrongLabels: 0, wrongImages: 0 });
    }
  });

  it('split: built twice from one seed is identical; another seed deals other classes', () => {
    const options = { tasks: 5, seed: 21, scenario: 'task-incremental' as const, validationFraction: 0.1 };
    const first = splitBenchmark(fashion, options);
    expect(fingerprint(splitBenchmark(fashion, options))).toBe(fingerprint(first));
    const other = splitBenchmark(fashion, { ...options, seed: 22 });
    expect(fingerprint(other)).not.toBe(fingerprint(first));
    expect(other.map((task) => task.classes)).not.toEqual(first.map((task) => task.classes));
    // Task-incremental: labels restart at 0 in each task.
    expect(first.every((task) => task.outputSize === 2 && Math.max(...task.train.labels) === 1)).toBe(true);
  });

  it('split: classOrder fixes the canonical pairs', () => {
    const tasks = splitBenchmark(fashion, {
      tasks: 5,
      seed: 1,
      scenario: 'domain-incremental',
      classOrder: [0, 1, 2, 3, 4, 5, 6, 7, 8, 9],
      testSamplesPerTask: 50,
      trainSamplesPerTask: 100,
    });
    expect(tasks.map((task) => task.classes)).toEqual([
      [0, 1],
      [2, 3],
      [4, 5],
      [6, 7],
      [8, 9],
    ]);
    expect(tasks.map((task) => task.targetLabels)).toEqual(new Array(5).fill([0, 1]));
  });

  it('permuted: one fixed pixel permutation per task, reproducible, different for another seed', () => {
    const options = {
      tasks: 3,
      seed: 5,
      scenario: 'class-incremental' as const,
      trainSamplesPerTask: 3_000,
      testSamplesPerTask: 1_000,
    };
    const tasks = permutedBenchmark(fashion, options);
    expect(fingerprint(permutedBenchmark(fashion, options))).toBe(fingerprint(tasks));
    expect(fingerprint(permutedBenchmark(fashion, { ...options, seed: 6 }))).not.toBe(fingerprint(tasks));
    const permutations = tasks.map((task) => Array.from(task.permutation!));
    for (const permutation of permutations)
      expect([...permutation].sort((a, b) => a - b)).toEqual(Array.from({ length: 784 }, (_, i) => i));
    expect(new Set(permutations.map((permutation) => permutation.join(','))).size).toBe(3);
    for (const task of tasks) {
      expect(task.classes).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
      expect(task.outputSize).toBe(30);
      expect([task.train.labels.length + task.val.labels.length, task.test.labels.length]).toEqual([3_000, 1_000]);
      let wrong = 0;
      for (let sample = 0; sample < task.test.labels.length; sample++) {
        const from = task.sourceIndices.test[sample]!;
        if (task.test.labels[sample] !== task.taskId * 10 + fashion.test.labels[from]!) wrong++;
        const source = row(fashion.test, from);
        const permuted = row(task.test, sample);
        for (let j = 0; j < 784; j++) if (permuted[j] !== source[task.permutation![j]!]) wrong++;
      }
      expect(wrong).toBe(0);
    }
  });

  it('rotated: seeded angles; 90 and 180 degrees are exact index rotations of the source', () => {
    const options = {
      tasks: 3,
      seed: 8,
      scenario: 'domain-incremental' as const,
      trainSamplesPerTask: 1_000,
      testSamplesPerTask: 200,
    };
    const tasks = rotatedBenchmark(fashion, options);
    expect(fingerprint(rotatedBenchmark(fashion, options))).toBe(fingerprint(tasks));
    const other = rotatedBenchmark(fashion, { ...options, seed: 9 });
    expect(other.map((task) => task.angle)).not.toEqual(tasks.map((task) => task.angle));
    expect(tasks.every((task) => task.angle! >= 0 && task.angle! < 180 && task.outputSize === 10)).toBe(true);

    const exact = rotatedBenchmark(fashion, { ...options, angles: [0, 90, 180] });
    for (const task of exact) {
      let wrong = 0;
      for (let sample = 0; sample < task.test.labels.length; sample++) {
        const source = row(fashion.test, task.sourceIndices.test[sample]!);
        const rotated = row(task.test, sample);
        for (let y = 0; y < 28; y++) {
          for (let x = 0; x < 28; x++) {
            // Counter-clockwise (numpy.rot90): out[y][x] = in[x][27 - y]; twice: in[27 - y][27 - x].
            const expected =
              task.angle === 0
                ? source[y * 28 + x]
                : task.angle === 90
                  ? source[x * 28 + (27 - y)]
                  : source[(27 - y) * 28 + (27 - x)];
            if (rotated[y * 28 + x] !== expected) wrong++;
          }
        }
      }
      expect(wrong, `angle ${task.angle}`).toBe(0);
    }
  });
});

describe('benchmarks on the mnist package', () => {
  it('Split MNIST twice from one seed is identical, and differs for another seed', async () => {
    const mnist = await loadMnist();
    const options = { tasks: 5, seed: 2, scenario: 'class-incremental' as const };
    const first = splitBenchmark(mnist, options);
    expect(fingerprint(splitBenchmark(mnist, options))).toBe(fingerprint(first));
    expect(fingerprint(splitBenchmark(mnist, { ...options, seed: 3 }))).not.toBe(fingerprint(first));
    const total = first.reduce((sum, task) => sum + task.train.labels.length + task.val.labels.length, 0);
    expect(total).toBe(mnist.train.labels.length);
  });
});

describe('rotation of an off-centre dot', () => {
  it('moves its centroid to the closed-form position for 30 degrees', () => {
    // 29x29 image, centre (14, 14); a 3x3 dot centred 8 px right of it.
    const image = new Float32Array(29 * 29);
    for (let dy = -1; dy <= 1; dy++) for (let dx = -1; dx <= 1; dx++) image[(14 + dy) * 29 + 22 + dx] = 1;
    // Two training copies so the validation carve (at least one sample) leaves one for training.
    const dataset = createDataset({
      train: { features: [...image, ...image], labels: [0, 0], featureShape: [29, 29] },
      test: { features: image, labels: [0], featureShape: [29, 29] },
      numClasses: 1,
    });
    const [task] = rotatedBenchmark(dataset, {
      tasks: 1,
      seed: 0,
      scenario: 'domain-incremental',
      angles: [30],
      validationFraction: 0.5,
    });
    const rotated = task!.test.features;
    let mass = 0;
    let sumX = 0;
    let sumY = 0;
    rotated.forEach((value, index) => {
      mass += value;
      sumX += value * (index % 29);
      sumY += value * Math.floor(index / 29);
    });
    // Counter-clockwise on screen (y down): (14 + 8 cos 30, 14 - 8 sin 30).
    expect(sumX / mass).toBeCloseTo(14 + 8 * Math.cos(Math.PI / 6), 1);
    expect(sumY / mass).toBeCloseTo(14 - 8 * Math.sin(Math.PI / 6), 1);
    expect(mass).toBeCloseTo(9, 0);
  });
});

describe('benchmark option errors', () => {
  const tiny = createDataset({
    train: { features: new Float32Array(40 * 4), labels: Array.from({ length: 40 }, (_, i) => i % 4), featureShape: [4] },
    test: { features: new Float32Array(8 * 4), labels: Array.from({ length: 8 }, (_, i) => i % 4), featureShape: [4] },
    numClasses: 4,
  });

  it('names the option and the allowed values', () => {
    expect(caught(() => splitBenchmark(tiny, { tasks: 3, seed: 1, scenario: 'class-incremental' }))).toMatchObject({
      code: 'INVALID_ARGUMENT',
      key: 'tasks',
    });
    const scenario = caught(() => splitBenchmark(tiny, { tasks: 2, seed: 1, scenario: 'online' as never }));
    expect(scenario).toMatchObject({ code: 'INVALID_ARGUMENT', key: 'scenario' });
    expect(scenario.message).toContain("'task-incremental', 'domain-incremental', 'class-incremental'");
    expect(caught(() => permutedBenchmark(tiny, { tasks: 2, seed: 1.5, scenario: 'class-incremental' }))).toMatchObject({
      key: 'seed',
    });
    expect(
      caught(() => permutedBenchmark(tiny, { tasks: 2, seed: 1, scenario: 'class-incremental', validationFraction: 0 })),
    ).toMatchObject({ key: 'validationFraction' });
    expect(
      caught(() => splitBenchmark(tiny, { tasks: 2, seed: 1, scenario: 'class-incremental', classOrder: [0, 0, 1, 2] })),
    ).toMatchObject({ key: 'classOrder' });
    expect(caught(() => rotatedBenchmark(tiny, { tasks: 2, seed: 1, scenario: 'class-incremental' }))).toMatchObject({
      code: 'FEATURE_SHAPE_MISMATCH',
      key: 'imageShape',
    });
  });

  it('rejects a source whose labels exceed numClasses, naming the sample', () => {
    const broken = {
      ...tiny,
      train: { ...tiny.train, labels: Int32Array.from(tiny.train.labels, (label, i) => (i === 17 ? 9 : label)) },
    };
    expect(caught(() => splitBenchmark(broken, { tasks: 2, seed: 1, scenario: 'class-incremental' }))).toMatchObject({
      code: 'LABEL_OUT_OF_RANGE',
      split: 'train',
      sampleIndex: 17,
    });
  });
});

describe('trainTestSplit', () => {
  it('holds out the same share of every class, reproducibly', () => {
    const labels = Array.from({ length: 300 }, (_, i) => (i < 200 ? 0 : i < 280 ? 1 : 2));
    const split = {
      features: Float32Array.from({ length: 300 }, (_, i) => i),
      labels: Int32Array.from(labels),
      featureShape: [1],
    };
    const { train, test } = trainTestSplit(split, { testFraction: 0.25, seed: 4 });
    expect(classCounts(test.labels, 3)).toEqual([50, 20, 5]);
    expect(classCounts(train.labels, 3)).toEqual([150, 60, 15]);
    expect(new Set([...train.features, ...test.features]).size).toBe(300);
    expect(Array.from(trainTestSplit(split, { testFraction: 0.25, seed: 4 }).test.features)).toEqual(Array.from(test.features));
    expect(Array.from(trainTestSplit(split, { testFraction: 0.25, seed: 5 }).test.features)).not.toEqual(
      Array.from(test.features),
    );
  });
});
