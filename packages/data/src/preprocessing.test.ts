import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { maxAbsoluteDifference, seededValues } from '@holomind/testing';
import { PreprocessingPipeline, type DataSplit } from './index.js';
import { caughtSync as caught, scratchFolder } from '../test/support.js';

const scratch = scratchFolder('preprocessing');

// Features with per-column offsets and scales, so per-feature and global statistics differ.
function data(count: number, size: number, seed: number): DataSplit {
  const noise = seededValues(count * size, seed);
  return {
    features: Float32Array.from(noise, (value, i) => value * (1 + (i % size)) + 10 * (i % size)),
    labels: Int32Array.from({ length: count }, (_, i) => i % 2),
    featureShape: [size],
  };
}

const column = (split: DataSplit, j: number) =>
  Array.from({ length: split.labels.length }, (_, i) => split.features[i * split.featureShape[0]! + j]!);
const sorted = (values: number[]) => [...values].sort((a, b) => a - b);
// NumPy's default (linear) quantile, from a sorted float64 array.
function quantile(values: number[], q: number): number {
  const s = sorted(values);
  const position = (s.length - 1) * q;
  const lower = Math.floor(position);
  return s[lower]! + (position - lower) * ((s[Math.min(lower + 1, s.length - 1)] ?? 0) - s[lower]!);
}

describe('PreprocessingPipeline normalisation', () => {
  const train = data(101, 4, 1);
  const test = data(37, 4, 2);

  it('standard per feature: fitted on train, applied to test, matching a float64 reference', () => {
    const pipeline = PreprocessingPipeline.fromConfig({ normalization: { method: 'standard' } });
    pipeline.fit(train);
    const { split } = pipeline.transform(test);
    for (let j = 0; j < 4; j++) {
      const values = column(train, j);
      const mean = values.reduce((a, b) => a + b) / values.length;
      const std = Math.sqrt(values.reduce((a, b) => a + (b - mean) ** 2, 0) / values.length);
      expect(
        maxAbsoluteDifference(
          column(split, j),
          column(test, j).map((x) => (x - mean) / std),
        ),
      ).toBeLessThan(1e-5);
    }
    expect(test.features[0]).toBe(data(37, 4, 2).features[0]); // input untouched
  });

  it('minmax global maps the training range to [0, 1]', () => {
    const pipeline = PreprocessingPipeline.fromConfig({ normalization: { method: 'minmax', scope: 'global' } });
    const { split } = pipeline.fitTransform(train);
    const all = Array.from(train.features);
    const min = Math.min(...all);
    const max = Math.max(...all);
    expect(
      maxAbsoluteDifference(
        split.features,
        all.map((x) => (x - min) / (max - min)),
      ),
    ).toBeLessThan(1e-6);
    expect(pipeline.statistics().normalization).toMatchObject({ scope: 'global', center: [min], scale: [max - min] });
  });

  it('robust per feature uses the median and interquartile range (linear quantiles)', () => {
    const pipeline = PreprocessingPipeline.fromConfig({ normalization: { method: 'robust', scope: 'per-feature' } });
    pipeline.fit(train);
    const { center, scale } = pipeline.statistics().normalization!;
    for (let j = 0; j < 4; j++) {
      const values = column(train, j);
      expect(center[j]).toBeCloseTo(quantile(values, 0.5), 12);
      expect(scale[j]).toBeCloseTo(quantile(values, 0.75) - quantile(values, 0.25), 12);
    }
  });

  it('gives a constant feature scale 1 instead of dividing by zero', () => {
    const constant = { ...train, features: Float32Array.from(train.features, (value, i) => (i % 4 === 2 ? 3 : value)) };
    const pipeline = PreprocessingPipeline.fromConfig({ normalization: { method: 'standard' } });
    const { split } = pipeline.fitTransform(constant);
    expect(column(split, 2).every((value) => value === 0)).toBe(true);
  });

  it('round-trips its statistics through JSON and transforms identically', () => {
    const pipeline = PreprocessingPipeline.fromConfig({
      normalization: { method: 'robust', scope: 'global' },
      validation: { outliers: { zScore: 2, policy: 'clip' } },
    });
    pipeline.fit(train);
    const restored = PreprocessingPipeline.fromJSON(JSON.stringify(pipeline.toJSON()));
    expect(restored.fitted).toBe(true);
    expect(Array.from(restored.transform(test).split.features)).toEqual(Array.from(pipeline.transform(test).split.features));
    expect(caught(() => PreprocessingPipeline.fromConfig({}).transform(test))).toMatchObject({ code: 'NOT_FITTED' });
  });
});

describe('PreprocessingPipeline validation', () => {
  const train = data(60, 3, 3);

  it('missing values: error names the sample; drop and impute-mean report counts and indices', () => {
    const holes = { ...train, features: new Float32Array(train.features) };
    holes.features[5 * 3 + 1] = Number.NaN;
    holes.features[9 * 3 + 0] = Number.NaN;
    holes.features[9 * 3 + 2] = Number.NaN;
    const strict = PreprocessingPipeline.fromConfig({});
    expect(caught(() => strict.fit(holes))).toMatchObject({
      code: 'MISSING_VALUES',
      sampleIndex: 5,
      split: 'train',
      key: 'validation.missingValues',
    });

    const dropping = PreprocessingPipeline.fromConfig({ validation: { missingValues: 'drop' } });
    const report = dropping.fit(holes);
    expect(report).toMatchObject({
      samplesIn: 60,
      samplesOut: 58,
      missing: { values: 3, sampleIndices: [5, 9] },
      droppedSampleIndices: [5, 9],
    });
    expect(dropping.transform(holes).split.labels.length).toBe(58);

    const imputing = PreprocessingPipeline.fromConfig({ validation: { missingValues: 'impute-mean' } });
    imputing.fit(holes);
    const { split } = imputing.transform(holes);
    const finite = column(holes, 1).filter(Number.isFinite);
    expect(split.features[5 * 3 + 1]).toBeCloseTo(finite.reduce((a, b) => a + b) / finite.length, 5);
  });

  it('outliers by z-score: warn keeps, clip bounds, drop removes; counts and indices match a reference', () => {
    const spiky = { ...train, features: new Float32Array(train.features) };
    spiky.features[4 * 3 + 0] = 1e3;
    spiky.features[17 * 3 + 2] = -1e3;
    const means = [0, 1, 2].map((j) => column(spiky, j).reduce((a, b) => a + b) / 60);
    const stds = [0, 1, 2].map((j) => Math.sqrt(column(spiky, j).reduce((a, b) => a + (b - means[j]!) ** 2, 0) / 60));
    const outliers: number[] = [];
    for (let i = 0; i < 60; i++)
      if ([0, 1, 2].some((j) => Math.abs(spiky.features[i * 3 + j]! - means[j]!) / stds[j]! > 3)) outliers.push(i);
    expect(outliers).toEqual([4, 17]);

    const warn = PreprocessingPipeline.fromConfig({ validation: { outliers: { zScore: 3, policy: 'warn' } } }).fit(spiky);
    expect(warn).toMatchObject({ samplesOut: 60, outliers: { values: 2, sampleIndices: [4, 17] } });
    expect(warn.warnings[0]).toContain('2 values in 2 samples');

    const clip = PreprocessingPipeline.fromConfig({ validation: { outliers: { zScore: 3, policy: 'clip' } } });
    clip.fit(spiky);
    const clipped = clip.transform(spiky).split;
    expect(clipped.features[4 * 3]).toBeCloseTo(means[0]! + 3 * stds[0]!, 2);
    expect(clipped.features[17 * 3 + 2]).toBeCloseTo(means[2]! - 3 * stds[2]!, 2);

    const drop = PreprocessingPipeline.fromConfig({ validation: { outliers: { zScore: 3, policy: 'drop' } } });
    expect(drop.fit(spiky)).toMatchObject({ samplesOut: 58, droppedSampleIndices: [4, 17] });
  });
});

describe('PreprocessingPipeline augmentation', () => {
  // 4x3 images with distinct pixel values, channels-last [4, 3, 1].
  const images: DataSplit = {
    features: Float32Array.from({ length: 2 * 12 }, (_, i) => i),
    labels: new Int32Array([0, 1]),
    featureShape: [4, 3, 1],
  };

  it('flips horizontally and vertically exactly', () => {
    for (const axis of ['horizontal', 'vertical'] as const) {
      const pipeline = PreprocessingPipeline.fromConfig({ augmentation: [{ type: 'flip', axis, probability: 1 }] });
      pipeline.fit(images);
      const { split } = pipeline.transform(images, { augment: true });
      for (let y = 0; y < 4; y++) {
        for (let x = 0; x < 3; x++) {
          const from = axis === 'horizontal' ? y * 3 + (2 - x) : (3 - y) * 3 + x;
          expect(split.features[12 + y * 3 + x]).toBe(images.features[12 + from]);
        }
      }
      // Without augment: untouched.
      expect(Array.from(pipeline.transform(images).split.features)).toEqual(Array.from(images.features));
    }
  });

  it('adds seeded Gaussian noise of the configured std, new per epoch, the same for the same epoch', () => {
    const zeros: DataSplit = { features: new Float32Array(20_000), labels: new Int32Array(20_000 / 4), featureShape: [4] };
    const pipeline = PreprocessingPipeline.fromConfig({ augmentation: [{ type: 'noise', std: 0.1 }], seed: 9 });
    pipeline.fit(zeros);
    const epoch0 = pipeline.transform(zeros, { augment: true, epoch: 0 }).split.features;
    const values = Array.from(epoch0);
    const mean = values.reduce((a, b) => a + b) / values.length;
    const std = Math.sqrt(values.reduce((a, b) => a + (b - mean) ** 2, 0) / values.length);
    expect(Math.abs(mean)).toBeLessThan(0.005); // 4 standard errors
    expect(std).toBeGreaterThan(0.097);
    expect(std).toBeLessThan(0.103);
    expect(Array.from(pipeline.transform(zeros, { augment: true, epoch: 0 }).split.features)).toEqual(values);
    expect(Array.from(pipeline.transform(zeros, { augment: true, epoch: 1 }).split.features)).not.toEqual(values);
  });

  it('rotates each image by a seeded angle within [-maxDegrees, maxDegrees], about the centre', () => {
    // 200 copies of a 9x9 image: the centre pixel and a pixel 4 px right of it.
    const image = new Float32Array(81);
    image[4 * 9 + 4] = 1;
    image[4 * 9 + 8] = 1;
    const split: DataSplit = {
      features: new Float32Array(200 * 81).map((_, i) => image[i % 81]!),
      labels: new Int32Array(200),
      featureShape: [81],
    };
    const pipeline = PreprocessingPipeline.fromConfig({
      augmentation: [{ type: 'rotation', maxDegrees: 30 }],
      imageShape: [9, 9],
    });
    pipeline.fit(split);
    const rotated = pipeline.transform(split, { augment: true }).split.features;
    const angles: number[] = [];
    for (let sample = 0; sample < 200; sample++) {
      const pixels = rotated.subarray(sample * 81, (sample + 1) * 81);
      expect(pixels[4 * 9 + 4]).toBeCloseTo(1, 6); // the pivot does not move
      // Centroid of the outer dot (everything but the centre pixel), as an angle on screen (y down).
      let x = 0;
      let y = 0;
      pixels.forEach((value, index) => {
        if (index === 40) return;
        x += value * ((index % 9) - 4);
        y += value * (Math.floor(index / 9) - 4);
      });
      angles.push((Math.atan2(-y, x) * 180) / Math.PI);
    }
    expect(Math.max(...angles.map(Math.abs))).toBeLessThanOrEqual(30.5);
    expect(Math.max(...angles)).toBeGreaterThan(25);
    expect(Math.min(...angles)).toBeLessThan(-25);
  });

  it('needs an image shape for flip and rotation', () => {
    const flat: DataSplit = { features: new Float32Array(10), labels: new Int32Array(2), featureShape: [5] };
    const pipeline = PreprocessingPipeline.fromConfig({ augmentation: [{ type: 'flip', probability: 1 }] });
    pipeline.fit(flat);
    expect(caught(() => pipeline.transform(flat, { augment: true }))).toMatchObject({
      code: 'FEATURE_SHAPE_MISMATCH',
      key: 'imageShape',
    });
  });
});

describe('PreprocessingPipeline configuration', () => {
  const yaml = `# pipeline for MNIST-like images
normalization:
  method: standard
  scope: global
augmentation:
  - type: noise
    std: 0.05
  - type: rotation
    maxDegrees: 10
validation:
  missingValues: impute-mean
  outliers: { zScore: 5, policy: clip }
seed: 7
imageShape: [28, 28]
`;

  it('reads the same config from a YAML file as from an object', async () => {
    const file = path.join(scratch, 'pipeline.yaml');
    writeFileSync(file, yaml);
    const fromFile = await PreprocessingPipeline.fromYamlFile(file);
    const fromObject = PreprocessingPipeline.fromConfig({
      normalization: { method: 'standard', scope: 'global' },
      augmentation: [
        { type: 'noise', std: 0.05 },
        { type: 'rotation', maxDegrees: 10 },
      ],
      validation: { missingValues: 'impute-mean', outliers: { zScore: 5, policy: 'clip' } },
      seed: 7,
      imageShape: [28, 28],
    });
    expect(fromFile.config).toEqual(fromObject.config);
    expect(fromFile.config.augmentation[1]).toEqual({ type: 'rotation', maxDegrees: 10, probability: 1 });
  });

  it('names the key, allowed values and YAML line of a bad setting', () => {
    const method = caught(() =>
      PreprocessingPipeline.fromYaml(yaml.replace('method: standard', 'method: zscore'), 'pipeline.yaml'),
    );
    expect(method).toMatchObject({ code: 'INVALID_CONFIG', key: 'normalization.method', file: 'pipeline.yaml', line: 3 });
    expect(method.message).toContain('"zscore" is not allowed; use one of standard, minmax, robust');

    const augmentation = caught(() =>
      PreprocessingPipeline.fromYaml(yaml.replace('type: rotation', 'type: cutout'), 'pipeline.yaml'),
    );
    expect(augmentation).toMatchObject({ code: 'UNKNOWN_AUGMENTATION', key: 'augmentation[1].type', line: 8 });
    expect(augmentation.message).toContain('use one of noise, flip, rotation');

    const unknownKey = caught(() => PreprocessingPipeline.fromYaml(yaml.replace('seed: 7', 'seeed: 7'), 'pipeline.yaml'));
    expect(unknownKey).toMatchObject({ code: 'INVALID_CONFIG', key: 'seeed', line: 13 });
    expect(unknownKey.message).toContain('allowed keys: normalization, augmentation, validation, seed, imageShape');

    expect(
      caught(() => PreprocessingPipeline.fromConfig({ validation: { outliers: { zScore: 3, policy: 'ignore' } } } as never)),
    ).toMatchObject({
      key: 'validation.outliers.policy',
      message: expect.stringContaining('use one of warn, clip, drop'),
    });
    expect(caught(() => PreprocessingPipeline.fromConfig({ augmentation: [{ type: 'blur' }] } as never))).toMatchObject({
      code: 'UNKNOWN_AUGMENTATION',
    });
  });

  it('parses YAML safely: syntax errors and custom tags fail with the line, alias bombs are refused', () => {
    expect(caught(() => PreprocessingPipeline.fromYaml('normalization:\n  method: [standard\n', 'broken.yaml'))).toMatchObject({
      code: 'INVALID_YAML',
      file: 'broken.yaml',
    });
    const tagged = caught(() =>
      PreprocessingPipeline.fromYaml('seed: 1\nnormalization: !!js/function "function () { return 1 }"\n', 'tag.yaml'),
    );
    expect(tagged).toMatchObject({ code: 'INVALID_YAML', line: 2 });
    const bomb = [
      'a: &a [x, x, x, x, x, x, x, x, x, x]',
      'b: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a, *a]',
      'c: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b, *b]',
      'd: [*c, *c, *c, *c, *c, *c, *c, *c, *c, *c]',
    ].join('\n');
    expect(caught(() => PreprocessingPipeline.fromYaml(bomb, 'bomb.yaml'))).toMatchObject({
      code: 'INVALID_YAML',
      message: expect.stringContaining('alias'),
    });
  });
});
