import { DataError } from './errors.js';

/** Normalisation methods: `(x - center) / scale` with mean/std, min/(max - min) or median/IQR. */
export type NormalizationMethod = 'standard' | 'minmax' | 'robust';
/** One center/scale per feature, or one for all values. */
export type NormalizationScope = 'per-feature' | 'global';
/** What to do with NaN or infinite feature values. */
export type MissingValuePolicy = 'error' | 'drop' | 'impute-mean';
/** What to do with values whose z-score exceeds the threshold. */
export type OutlierPolicy = 'warn' | 'clip' | 'drop';
/** Augmentation kinds. */
export type AugmentationType = 'noise' | 'flip' | 'rotation';

export const NORMALIZATION_METHODS: readonly NormalizationMethod[] = ['standard', 'minmax', 'robust'];
export const NORMALIZATION_SCOPES: readonly NormalizationScope[] = ['per-feature', 'global'];
export const MISSING_VALUE_POLICIES: readonly MissingValuePolicy[] = ['error', 'drop', 'impute-mean'];
export const OUTLIER_POLICIES: readonly OutlierPolicy[] = ['warn', 'clip', 'drop'];
export const AUGMENTATION_TYPES: readonly AugmentationType[] = ['noise', 'flip', 'rotation'];

/** `normalization` section. */
export interface NormalizationConfig {
  method: NormalizationMethod;
  /** Default `per-feature`. */
  scope: NormalizationScope;
}

/** Gaussian noise of standard deviation `std` (in the data's units) added to every feature. */
export interface NoiseAugmentation {
  type: 'noise';
  std: number;
  /** Chance per sample (default 1). */
  probability: number;
}

/** Mirror images. */
export interface FlipAugmentation {
  type: 'flip';
  /** `horizontal` swaps left and right (default), `vertical` top and bottom. */
  axis: 'horizontal' | 'vertical';
  /** Chance per sample (default 0.5). */
  probability: number;
}

/** Rotate images by a uniform random angle in [-maxDegrees, maxDegrees] (bilinear, zero fill). */
export interface RotationAugmentation {
  type: 'rotation';
  maxDegrees: number;
  /** Chance per sample (default 1). */
  probability: number;
}

/** One step of the `augmentation` list, applied in order. */
export type AugmentationConfig = NoiseAugmentation | FlipAugmentation | RotationAugmentation;

/** `validation.outliers` section. */
export interface OutlierConfig {
  /** A value is an outlier when |x - mean| / std of its feature (fitted on train) exceeds this. */
  zScore: number;
  policy: OutlierPolicy;
}

/** `validation` section. */
export interface ValidationConfig {
  /** Default `error`. */
  missingValues: MissingValuePolicy;
  outliers?: OutlierConfig;
}

/** A complete pipeline configuration (defaults filled in), as {@link parsePreprocessingConfig} returns it. */
export interface PreprocessingConfig {
  normalization?: NormalizationConfig;
  augmentation: AugmentationConfig[];
  validation: ValidationConfig;
  /** Seed of the augmentation (default 0). */
  seed: number;
  /** [height, width] for flip and rotation when samples are flat. */
  imageShape?: [number, number];
}

/** What users write (YAML or an object): every field optional except the ones each section needs. */
export interface PreprocessingConfigInput {
  normalization?: { method: NormalizationMethod; scope?: NormalizationScope };
  augmentation?: Array<
    | { type: 'noise'; std: number; probability?: number }
    | { type: 'flip'; axis?: 'horizontal' | 'vertical'; probability?: number }
    | { type: 'rotation'; maxDegrees: number; probability?: number }
  >;
  validation?: { missingValues?: MissingValuePolicy; outliers?: { zScore: number; policy: OutlierPolicy } };
  seed?: number;
  imageShape?: [number, number];
}

type Fields = Record<string, unknown>;

function invalid(key: string, message: string): never {
  const name = key || '(root)';
  throw new DataError('INVALID_CONFIG', `Config key '${name}': ${message}`, { key: name });
}

function section(value: unknown, key: string, allowed: readonly string[]): Fields {
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    invalid(key, `must be a mapping with keys ${allowed.join(', ')}; got ${JSON.stringify(value)}.`);
  for (const name of Object.keys(value)) {
    if (!allowed.includes(name))
      invalid(key ? `${key}.${name}` : name, `unknown key; allowed keys${key ? ` of '${key}'` : ''}: ${allowed.join(', ')}.`);
  }
  return value as Fields;
}

function oneOf<T extends string>(value: unknown, key: string, allowed: readonly T[], fallback?: T): T {
  if (value === undefined && fallback !== undefined) return fallback;
  if (!allowed.includes(value as T)) invalid(key, `${JSON.stringify(value)} is not allowed; use one of ${allowed.join(', ')}.`);
  return value as T;
}

function number(value: unknown, key: string, check: (n: number) => boolean, expected: string, fallback?: number): number {
  if (value === undefined && fallback !== undefined) return fallback;
  if (typeof value !== 'number' || !Number.isFinite(value) || !check(value))
    invalid(key, `must be ${expected}; got ${JSON.stringify(value)}.`);
  return value;
}

const probability = (value: unknown, key: string, fallback: number) =>
  number(value, key, (p) => p >= 0 && p <= 1, 'a probability in [0, 1]', fallback);

function augmentation(value: unknown, index: number): AugmentationConfig {
  const key = `augmentation[${index}]`;
  const type = (value as Fields | null)?.type;
  if (!AUGMENTATION_TYPES.includes(type as AugmentationType)) {
    throw new DataError(
      'UNKNOWN_AUGMENTATION',
      `Config key '${key}.type': unknown augmentation ${JSON.stringify(type)}; use one of ${AUGMENTATION_TYPES.join(', ')}.`,
      { key: `${key}.type` },
    );
  }
  if (type === 'noise') {
    const fields = section(value, key, ['type', 'std', 'probability']);
    return {
      type,
      std: number(fields.std, `${key}.std`, (s) => s >= 0, 'a standard deviation >= 0'),
      probability: probability(fields.probability, `${key}.probability`, 1),
    };
  }
  if (type === 'flip') {
    const fields = section(value, key, ['type', 'axis', 'probability']);
    return {
      type,
      axis: oneOf(fields.axis, `${key}.axis`, ['horizontal', 'vertical'] as const, 'horizontal'),
      probability: probability(fields.probability, `${key}.probability`, 0.5),
    };
  }
  const fields = section(value, key, ['type', 'maxDegrees', 'probability']);
  return {
    type: 'rotation',
    maxDegrees: number(fields.maxDegrees, `${key}.maxDegrees`, (d) => d > 0 && d <= 180, 'an angle in (0, 180] degrees'),
    probability: probability(fields.probability, `${key}.probability`, 1),
  };
}

/**
 * Checks a pipeline configuration and fills in defaults. Errors (INVALID_CONFIG,
 * UNKNOWN_AUGMENTATION) name the dotted key and the allowed values.
 */
export function parsePreprocessingConfig(input: unknown): PreprocessingConfig {
  const root = section(input ?? {}, '', ['normalization', 'augmentation', 'validation', 'seed', 'imageShape']);
  const config: PreprocessingConfig = {
    augmentation: [],
    validation: { missingValues: 'error' },
    seed: number(root.seed, 'seed', Number.isSafeInteger, 'an integer', 0),
  };
  if (root.normalization !== undefined) {
    const fields = section(root.normalization, 'normalization', ['method', 'scope']);
    config.normalization = {
      method: oneOf(fields.method, 'normalization.method', NORMALIZATION_METHODS),
      scope: oneOf(fields.scope, 'normalization.scope', NORMALIZATION_SCOPES, 'per-feature'),
    };
  }
  if (root.augmentation !== undefined) {
    if (!Array.isArray(root.augmentation))
      invalid(
        'augmentation',
        `must be a list of steps like { type: noise, std: 0.05 }; got ${JSON.stringify(root.augmentation)}.`,
      );
    config.augmentation = root.augmentation.map(augmentation);
  }
  if (root.validation !== undefined) {
    const fields = section(root.validation, 'validation', ['missingValues', 'outliers']);
    config.validation.missingValues = oneOf(fields.missingValues, 'validation.missingValues', MISSING_VALUE_POLICIES, 'error');
    if (fields.outliers !== undefined) {
      const outliers = section(fields.outliers, 'validation.outliers', ['zScore', 'policy']);
      config.validation.outliers = {
        zScore: number(outliers.zScore, 'validation.outliers.zScore', (z) => z > 0, 'a positive z-score threshold, e.g. 4'),
        policy: oneOf(outliers.policy, 'validation.outliers.policy', OUTLIER_POLICIES),
      };
    }
  }
  if (root.imageShape !== undefined) {
    const shape = root.imageShape;
    if (!Array.isArray(shape) || shape.length !== 2 || !shape.every((d) => Number.isInteger(d) && d > 0)) {
      invalid('imageShape', `must be [height, width] of positive integers; got ${JSON.stringify(shape)}.`);
    }
    config.imageShape = [shape[0], shape[1]];
  }
  return config;
}
