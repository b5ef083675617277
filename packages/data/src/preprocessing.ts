import { yamlLineOf, type SeededRandom } from '@holomind/core';
import { parseDocument, LineCounter, type Document } from 'yaml';
import { DataError } from './errors.js';
import { flipImage, imageLayout, rotateImage, rotationTable, type ImageLayout } from './image-ops.js';
import { readFileBytes } from './node-io.js';
import {
  parsePreprocessingConfig,
  type NormalizationMethod,
  type NormalizationScope,
  type PreprocessingConfig,
  type PreprocessingConfigInput,
} from './preprocessing-config.js';
import { randomStream } from './random.js';
import { featureSize, validateSplit, type DataSplit } from './split.js';
import { quantileInPlace } from './statistics.js';

/** Fitted normalisation: features become `(x - center) / scale`; one entry per feature, or one for all. */
export interface NormalizationStatistics {
  method: NormalizationMethod;
  scope: NormalizationScope;
  center: number[];
  /** Never 0: a constant feature gets scale 1. */
  scale: number[];
}

/** Everything {@link PreprocessingPipeline.fit} learns from the training split, JSON-serialisable. */
export interface PipelineStatistics {
  featureShape: number[];
  /** Per-feature mean and population std of the finite training values: outlier z-scores and mean imputation. */
  mean: number[];
  std: number[];
  normalization?: NormalizationStatistics;
}

/** The JSON form of a pipeline: its config and, once fitted, its statistics. */
export interface PipelineState {
  config: PreprocessingConfig;
  statistics?: PipelineStatistics;
}

/** What validation found in one split, and what it did. */
export interface ValidationReport {
  split: string;
  samplesIn: number;
  samplesOut: number;
  missing: { policy: string; values: number; sampleIndices: number[] };
  outliers?: { policy: string; zScore: number; values: number; sampleIndices: number[] };
  /** Input indices of the samples removed (by `drop` policies), ascending. */
  droppedSampleIndices: number[];
  /** Human-readable notes, e.g. the outlier count under the `warn` policy. */
  warnings: string[];
}

/** Options of {@link PreprocessingPipeline.transform}. */
export interface TransformOptions {
  /** Apply the configured augmentation (do it for training data only). Default false. */
  augment?: boolean;
  /** Mixed into the augmentation seed so every epoch sees new, reproducible augmentations. Default 0. */
  epoch?: number;
  /** Split name used in reports and errors. Default `split`. */
  split?: string;
}

/** The splits {@link PreprocessingPipeline.process} takes and returns (a benchmark task fits). */
export interface PipelineSplits {
  train: DataSplit;
  val?: DataSplit;
  test?: DataSplit;
}

/** Result of transforming one split. */
export interface TransformResult {
  split: DataSplit;
  report: ValidationReport;
}

/**
 * Validation, augmentation and normalisation of feature data, configured by an object or YAML.
 * `fit` learns statistics from the training split only; `transform` applies them to any split in
 * the order: missing values -> outliers -> augmentation (when asked) -> normalisation.
 *
 * @example
 * const pipeline = PreprocessingPipeline.fromYaml(`
 * normalization: { method: standard, scope: global }
 * augmentation: [{ type: rotation, maxDegrees: 10 }]
 * validation: { missingValues: drop, outliers: { zScore: 6, policy: clip } }
 * imageShape: [28, 28]
 * `);
 * const { train, val, test } = pipeline.process(task);
 */
export class PreprocessingPipeline {
  readonly config: PreprocessingConfig;
  private fittedStatistics: PipelineStatistics | undefined;

  private constructor(config: PreprocessingConfig, statistics?: PipelineStatistics) {
    this.config = config;
    this.fittedStatistics = statistics;
  }

  /** A pipeline from a config object; throws INVALID_CONFIG / UNKNOWN_AUGMENTATION naming the key. */
  static fromConfig(config: PreprocessingConfigInput | Record<string, unknown> = {}): PreprocessingPipeline {
    return new PreprocessingPipeline(parsePreprocessingConfig(config));
  }

  /**
   * A pipeline from YAML text. Parsing is safe: plain data only (the YAML 1.2 core schema), no
   * custom tags, at most 100 alias expansions. Errors name `source`, the line and the key.
   */
  static fromYaml(text: string, source = 'YAML config'): PreprocessingPipeline {
    const lineCounter = new LineCounter();
    const document = parseDocument(text, { lineCounter, uniqueKeys: true, prettyErrors: false });
    const problem = document.errors[0] ?? document.warnings[0];
    if (problem) {
      const offset = problem.pos[0];
      const line = lineCounter.linePos(offset).line;
      throw new DataError(
        'INVALID_YAML',
        `${source} line ${line}: ${problem.message.split('\n')[0]}. Only plain YAML mappings, lists and scalars are accepted.`,
        {
          file: source,
          offset,
          line,
        },
      );
    }
    let value: unknown;
    try {
      value = document.toJS({ maxAliasCount: 100 });
    } catch (error) {
      throw new DataError('INVALID_YAML', `${source}: ${(error as Error).message}.`, { file: source, cause: error });
    }
    try {
      return PreprocessingPipeline.fromConfig(value as Record<string, unknown>);
    } catch (error) {
      throw locateConfigError(error, document, lineCounter, source);
    }
  }

  /** {@link fromYaml} on a file. Node only. */
  static async fromYamlFile(path: string): Promise<PreprocessingPipeline> {
    const bytes = await readFileBytes(path, 'YAML config file');
    return PreprocessingPipeline.fromYaml(new TextDecoder().decode(bytes), path);
  }

  /** Restores a pipeline saved with {@link toJSON}, fitted statistics included. */
  static fromJSON(state: PipelineState | string): PreprocessingPipeline {
    const parsed = (typeof state === 'string' ? JSON.parse(state) : state) as PipelineState;
    const pipeline = new PreprocessingPipeline(parsePreprocessingConfig(parsed?.config));
    if (parsed.statistics !== undefined) pipeline.fittedStatistics = checkStatistics(parsed.statistics);
    return pipeline;
  }

  /** Whether {@link fit} ran (or statistics were restored). */
  get fitted(): boolean {
    return this.fittedStatistics !== undefined;
  }

  /** The fitted statistics (a copy). Throws NOT_FITTED before {@link fit}. */
  statistics(): PipelineStatistics {
    return structuredClone(this.requireStatistics());
  }

  /** Config and statistics as JSON-serialisable data. */
  toJSON(): PipelineState {
    return structuredClone({ config: this.config, ...(this.fittedStatistics ? { statistics: this.fittedStatistics } : {}) });
  }

  /**
   * Learns the statistics from the training split: per-feature mean/std of its finite values, then
   * (after the missing-value and outlier policies) the normalisation. Returns the training split's
   * validation report.
   */
  fit(train: DataSplit): ValidationReport {
    validateSplit(train, { split: 'train', checkFinite: false });
    const size = featureSize(train.featureShape);
    const { mean, std } = finiteMeanStd(train.features, size);
    const statistics: PipelineStatistics = { featureShape: [...train.featureShape], mean, std };
    const cleaned = this.clean(train, statistics, 'train');
    if (this.config.normalization)
      statistics.normalization = fitNormalization(
        cleaned.split,
        this.config.normalization.method,
        this.config.normalization.scope,
      );
    this.fittedStatistics = statistics;
    return cleaned.report;
  }

  /** Applies the fitted pipeline to a split; returns new arrays (the input is not modified). */
  transform(split: DataSplit, options: TransformOptions = {}): TransformResult {
    const statistics = this.requireStatistics();
    const name = options.split ?? 'split';
    validateSplit(split, { split: name, checkFinite: false, allowEmpty: true });
    if (featureSize(split.featureShape) !== statistics.mean.length) {
      throw new DataError(
        'FEATURE_SHAPE_MISMATCH',
        `${name}: samples of featureShape ${JSON.stringify(split.featureShape)} (${featureSize(split.featureShape)} values) do not match the ${statistics.mean.length} features the pipeline was fitted on.`,
        { split: name },
      );
    }
    const { split: cleaned, report } = this.clean(split, statistics, name);
    if (options.augment && this.config.augmentation.length > 0) this.augment(cleaned, options.epoch ?? 0);
    if (statistics.normalization) normalize(cleaned.features, statistics.normalization);
    return { split: cleaned, report };
  }

  /** {@link fit} on `train`, then {@link transform} of it. */
  fitTransform(train: DataSplit, options: Omit<TransformOptions, 'split'> = {}): TransformResult {
    this.fit(train);
    return this.transform(train, { ...options, split: 'train' });
  }

  /** Fits on `train` and transforms every split given; only `train` is augmented. */
  process(
    splits: PipelineSplits,
    options: { epoch?: number } = {},
  ): PipelineSplits & { reports: Partial<Record<keyof PipelineSplits, ValidationReport>> } {
    this.fit(splits.train);
    const result: PipelineSplits & { reports: Partial<Record<keyof PipelineSplits, ValidationReport>> } = {
      train: splits.train,
      reports: {},
    };
    for (const name of ['train', 'val', 'test'] as const) {
      const split = splits[name];
      if (!split) continue;
      const transformed = this.transform(split, { split: name, augment: name === 'train', epoch: options.epoch ?? 0 });
      result[name] = transformed.split;
      result.reports[name] = transformed.report;
    }
    return result;
  }

  private requireStatistics(): PipelineStatistics {
    if (!this.fittedStatistics) {
      throw new DataError(
        'NOT_FITTED',
        'The pipeline has no statistics yet: call fit(trainSplit) (or fromJSON with saved statistics) before transform.',
      );
    }
    return this.fittedStatistics;
  }

  // Missing values, then outliers; returns a copy holding the kept samples.
  private clean(split: DataSplit, statistics: PipelineStatistics, name: string): TransformResult {
    const size = featureSize(split.featureShape);
    const count = split.labels.length;
    const { missingValues, outliers } = this.config.validation;
    const { mean, std } = statistics;
    const features = new Float32Array(split.features);
    const missingSamples: number[] = [];
    const outlierSamples: number[] = [];
    const drop = new Uint8Array(count);
    let missingCount = 0;
    let outlierCount = 0;
    for (let sample = 0; sample < count; sample++) {
      const base = sample * size;
      let sampleMissing = false;
      let sampleOutlier = false;
      for (let j = 0; j < size; j++) {
        const value = features[base + j]!;
        if (value - value !== 0) {
          missingCount++;
          sampleMissing = true;
          if (missingValues === 'error') {
            throw new DataError(
              'MISSING_VALUES',
              `${name}: sample ${sample} has ${value} at feature ${j}. Set validation.missingValues to drop or impute-mean, or clean the data.`,
              { split: name, sampleIndex: sample, key: 'validation.missingValues' },
            );
          }
          if (missingValues === 'impute-mean') features[base + j] = mean[j]!;
          else drop[sample] = 1;
          continue;
        }
        if (outliers && std[j]! > 0) {
          const z = (value - mean[j]!) / std[j]!;
          if (Math.abs(z) > outliers.zScore) {
            outlierCount++;
            sampleOutlier = true;
            if (outliers.policy === 'clip') features[base + j] = mean[j]! + Math.sign(z) * outliers.zScore * std[j]!;
            else if (outliers.policy === 'drop') drop[sample] = 1;
          }
        }
      }
      if (sampleMissing) missingSamples.push(sample);
      if (sampleOutlier) outlierSamples.push(sample);
    }
    const kept: number[] = [];
    const dropped: number[] = [];
    for (let sample = 0; sample < count; sample++) (drop[sample] ? dropped : kept).push(sample);
    const warnings: string[] = [];
    if (outliers?.policy === 'warn' && outlierCount > 0) {
      warnings.push(
        `${name}: ${outlierCount} values in ${outlierSamples.length} samples have |z| > ${outliers.zScore}; kept as they are (policy warn).`,
      );
    }
    if (missingCount > 0 && missingValues === 'impute-mean')
      warnings.push(`${name}: ${missingCount} missing values replaced by the training mean.`);
    const cleaned =
      dropped.length === 0
        ? { features, labels: new Int32Array(split.labels), featureShape: [...split.featureShape] }
        : keep(features, split, kept, size);
    return {
      split: cleaned,
      report: {
        split: name,
        samplesIn: count,
        samplesOut: kept.length,
        missing: { policy: missingValues, values: missingCount, sampleIndices: missingSamples },
        ...(outliers
          ? {
              outliers: { policy: outliers.policy, zScore: outliers.zScore, values: outlierCount, sampleIndices: outlierSamples },
            }
          : {}),
        droppedSampleIndices: dropped,
        warnings,
      },
    };
  }

  private augment(split: DataSplit, epoch: number): void {
    const size = featureSize(split.featureShape);
    const random = randomStream(this.config.seed, 'augmentation', epoch);
    const needsImages = this.config.augmentation.some((step) => step.type !== 'noise');
    const layout: ImageLayout | undefined = needsImages
      ? imageLayout(split.featureShape, this.config.imageShape, 'imageShape')
      : undefined;
    const scratch = new Float32Array(size);
    for (let sample = 0; sample < split.labels.length; sample++) {
      const offset = sample * size;
      for (const step of this.config.augmentation) {
        if (random.next() >= step.probability) continue;
        if (step.type === 'noise') {
          for (let j = 0; j < size; j++) split.features[offset + j]! += step.std * random.normal();
          continue;
        }
        scratch.set(split.features.subarray(offset, offset + size));
        if (step.type === 'flip') flipImage(step.axis, layout!, scratch, 0, split.features, offset);
        else
          rotateImage(
            rotationTable(layout!.height, layout!.width, uniform(random, -step.maxDegrees, step.maxDegrees)),
            layout!,
            scratch,
            0,
            split.features,
            offset,
          );
      }
    }
  }
}

function uniform(random: SeededRandom, low: number, high: number): number {
  return low + (high - low) * random.next();
}

function keep(features: Float32Array, split: DataSplit, kept: number[], size: number): DataSplit {
  const out = new Float32Array(kept.length * size);
  const labels = new Int32Array(kept.length);
  kept.forEach((sample, position) => {
    out.set(features.subarray(sample * size, (sample + 1) * size), position * size);
    labels[position] = split.labels[sample]!;
  });
  return { features: out, labels, featureShape: [...split.featureShape] };
}

function finiteMeanStd(features: Float32Array, size: number): { mean: number[]; std: number[] } {
  const sum = new Float64Array(size);
  const counts = new Float64Array(size);
  const samples = features.length / size;
  for (let sample = 0; sample < samples; sample++) {
    for (let j = 0; j < size; j++) {
      const value = features[sample * size + j]!;
      if (value - value === 0) {
        sum[j]! += value;
        counts[j]!++;
      }
    }
  }
  const mean = Array.from(sum, (total, j) => (counts[j]! > 0 ? total / counts[j]! : 0));
  const squares = new Float64Array(size);
  for (let sample = 0; sample < samples; sample++) {
    for (let j = 0; j < size; j++) {
      const value = features[sample * size + j]!;
      if (value - value === 0) squares[j]! += (value - mean[j]!) ** 2;
    }
  }
  return { mean, std: Array.from(squares, (total, j) => (counts[j]! > 0 ? Math.sqrt(total / counts[j]!) : 0)) };
}

// Scale 0 (a constant feature) would divide by zero; 1 leaves it centred at 0 instead.
const safeScale = (scale: number) => (scale > 0 && Number.isFinite(scale) ? scale : 1);

function fitNormalization(train: DataSplit, method: NormalizationMethod, scope: NormalizationScope): NormalizationStatistics {
  if (scope === 'global') {
    const [center, scale] = centerAndScale(train.features.slice(), method); // a copy: quantiles reorder it
    return { method, scope, center: [center], scale: [safeScale(scale)] };
  }
  // Column-major copy: each feature's values contiguous, for the quantile selection. Float32 holds
  // the values exactly; sums are accumulated in float64 by centerAndScale.
  const size = featureSize(train.featureShape);
  const count = train.labels.length;
  const columns = new Float32Array(count * size);
  for (let sample = 0; sample < count; sample++) {
    for (let j = 0; j < size; j++) columns[j * count + sample] = train.features[sample * size + j]!;
  }
  const center: number[] = [];
  const scale: number[] = [];
  for (let j = 0; j < size; j++) {
    const [c, s] = centerAndScale(columns.subarray(j * count, (j + 1) * count), method);
    center.push(c);
    scale.push(safeScale(s));
  }
  return { method, scope, center, scale };
}

function centerAndScale(values: Float32Array, method: NormalizationMethod): [number, number] {
  if (method === 'standard') {
    let sum = 0;
    for (const value of values) sum += value;
    const mean = sum / values.length;
    let squares = 0;
    for (const value of values) squares += (value - mean) ** 2;
    return [mean, Math.sqrt(squares / values.length)];
  }
  if (method === 'minmax') {
    let min = Infinity;
    let max = -Infinity;
    for (const value of values) {
      if (value < min) min = value;
      if (value > max) max = value;
    }
    return [min, max - min];
  }
  const q1 = quantileInPlace(values, 0.25);
  const median = quantileInPlace(values, 0.5);
  const q3 = quantileInPlace(values, 0.75);
  return [median, q3 - q1];
}

function normalize(features: Float32Array, statistics: NormalizationStatistics): void {
  const { center, scale } = statistics;
  const columns = center.length;
  if (columns === 1) {
    const c = center[0]!;
    const s = scale[0]!;
    for (let i = 0; i < features.length; i++) features[i] = (features[i]! - c) / s;
    return;
  }
  for (let i = 0; i < features.length; i++) {
    const j = i % columns;
    features[i] = (features[i]! - center[j]!) / scale[j]!;
  }
}

function checkStatistics(statistics: PipelineStatistics): PipelineStatistics {
  const size = Array.isArray(statistics?.featureShape) ? featureSize(statistics.featureShape) : -1;
  const lengthOk = (values: unknown, length: number) =>
    Array.isArray(values) && values.length === length && values.every((v) => typeof v === 'number');
  let valid = size > 0 && lengthOk(statistics.mean, size) && lengthOk(statistics.std, size);
  const normalization = statistics?.normalization;
  if (valid && normalization) {
    const columns = normalization.scope === 'global' ? 1 : size;
    valid =
      lengthOk(normalization.center, columns) &&
      lengthOk(normalization.scale, columns) &&
      normalization.scale.every((s) => s > 0);
  }
  if (!valid) {
    throw new DataError(
      'INVALID_CONFIG',
      "Config key 'statistics': saved statistics are incomplete or do not match their featureShape. Save them with pipeline.toJSON().",
      {
        key: 'statistics',
      },
    );
  }
  return structuredClone(statistics);
}

// Adds the YAML line of the offending key to a config error raised while checking parsed YAML.
function locateConfigError(error: unknown, document: Document, lineCounter: LineCounter, source: string): unknown {
  if (!DataError.isInstance(error) || error.key === undefined) return error;
  const path = error.key
    .split(/\.|\[(\d+)\]/)
    .filter((part) => part !== undefined && part !== '')
    .map((part) => (/^\d+$/.test(part) ? Number(part) : part));
  const line = yamlLineOf(document, lineCounter, path);
  if (line === undefined) return error;
  return new DataError(error.code, `${source} line ${line}: ${error.message}`, {
    key: error.key,
    file: source,
    line,
    cause: error,
  });
}
