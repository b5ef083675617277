import type * as tf from '@tensorflow/tfjs-core';
import { MonitoringError, checkOption } from './errors.js';
import type { LogContext, MetricsTracker } from './metrics-tracker.js';

/**
 * A histogram in TensorBoard's layout: bucket i counts values in (bucketLimits[i−1], bucketLimits[i]],
 * the first bucket also takes values equal to `min`.
 */
export interface Histogram {
  min: number;
  max: number;
  /** Finite values counted. */
  num: number;
  sum: number;
  sumSquares: number;
  bucketLimits: number[];
  bucketCounts: number[];
}

/** Statistics of one tensor, computed in float64 over its finite values. */
export interface TensorStatistics {
  /** Elements, finite or not. */
  size: number;
  /** NaN and ±Infinity elements (left out of every other number). */
  nonFiniteCount: number;
  min: number;
  max: number;
  mean: number;
  /** Population standard deviation. */
  std: number;
  /** √Σx². */
  l2Norm: number;
  /** Σ|x|. */
  l1Norm: number;
  histogram: Histogram;
}

/** Options of the statistics functions. */
export interface StatisticsOptions {
  /** Histogram buckets. Default 30. */
  bins?: number;
}

/** Statistics of every named tensor plus the global L2 norm over all of them (the gradient-clipping norm). */
export interface NamedStatistics {
  tensors: Record<string, TensorStatistics>;
  /** √Σ over tensors of l2Norm². */
  globalL2Norm: number;
}

/**
 * Statistics of plain values: size, non-finite count, min, max, mean, std, L1/L2 norms and a
 * histogram with `bins` equal-width buckets between min and max.
 */
export function valueStatistics(values: ArrayLike<number>, options: StatisticsOptions = {}): TensorStatistics {
  const bins = checkOption.positiveInteger('bins', options.bins ?? 30);
  let count = 0;
  let nonFiniteCount = 0;
  let min = Infinity;
  let max = -Infinity;
  let sum = 0;
  let sumSquares = 0;
  let l1 = 0;
  let mean = 0;
  let m2 = 0;
  for (let i = 0; i < values.length; i++) {
    const value = values[i]!;
    if (!Number.isFinite(value)) {
      nonFiniteCount += 1;
      continue;
    }
    count += 1;
    if (value < min) min = value;
    if (value > max) max = value;
    sum += value;
    sumSquares += value * value;
    l1 += Math.abs(value);
    const delta = value - mean;
    mean += delta / count;
    m2 += delta * (value - mean);
  }
  const empty = count === 0;
  const histogram = buildHistogram(values, empty ? 0 : min, empty ? 0 : max, bins, count, sum, sumSquares);
  return {
    size: values.length,
    nonFiniteCount,
    min: empty ? Number.NaN : min,
    max: empty ? Number.NaN : max,
    mean: empty ? Number.NaN : mean,
    std: empty ? Number.NaN : Math.sqrt(m2 / count),
    l2Norm: Math.sqrt(sumSquares),
    l1Norm: l1,
    histogram,
  };
}

/**
 * The histogram alone (what TensorBoard draws), without the other statistics: one pass for min,
 * max and the sums, one for the buckets. Equal to `valueStatistics(values, { bins }).histogram`.
 */
export function histogramOf(values: ArrayLike<number>, bins = 30): Histogram {
  checkOption.positiveInteger('bins', bins);
  let num = 0;
  let min = Infinity;
  let max = -Infinity;
  let sum = 0;
  let sumSquares = 0;
  for (let i = 0; i < values.length; i++) {
    const value = values[i]!;
    if (!Number.isFinite(value)) continue;
    num += 1;
    if (value < min) min = value;
    if (value > max) max = value;
    sum += value;
    sumSquares += value * value;
  }
  return num === 0
    ? buildHistogram(values, 0, 0, bins, 0, sum, sumSquares)
    : buildHistogram(values, min, max, bins, num, sum, sumSquares);
}

function buildHistogram(
  values: ArrayLike<number>,
  min: number,
  max: number,
  bins: number,
  num: number,
  sum: number,
  sumSquares: number,
): Histogram {
  // A constant tensor gets one bucket at its value; TensorBoard draws it as a spike.
  const bucketCount = max > min ? bins : 1;
  const width = (max - min) / bucketCount;
  const bucketLimits = Array.from({ length: bucketCount }, (_, i) => (i === bucketCount - 1 ? max : min + width * (i + 1)));
  const bucketCounts = new Array<number>(bucketCount).fill(0);
  // A multiplication per value instead of a division; the nudges below keep each value in its limits.
  const perWidth = width > 0 ? 1 / width : 0;
  if (num > 0) {
    for (let i = 0; i < values.length; i++) {
      const value = values[i]!;
      if (!Number.isFinite(value)) continue;
      // Right-closed buckets: (limit[b-1], limit[b]]; ceil puts a value on a limit into the lower bucket.
      let bucket = width > 0 ? Math.ceil((value - min) * perWidth) - 1 : 0;
      if (bucket < 0) bucket = 0;
      if (bucket >= bucketCount) bucket = bucketCount - 1;
      // Floating-point rounding can land a value one bucket off its limits; nudge it back.
      while (bucket > 0 && value <= bucketLimits[bucket - 1]!) bucket -= 1;
      while (bucket < bucketCount - 1 && value > bucketLimits[bucket]!) bucket += 1;
      bucketCounts[bucket]! += 1;
    }
  }
  return { min, max, num, sum, sumSquares, bucketLimits, bucketCounts };
}

/** Statistics of one tensor; reads it once with `await tensor.data()` and does not dispose it. */
export async function tensorStatistics(tensor: tf.Tensor, options: StatisticsOptions = {}): Promise<TensorStatistics> {
  if (tensor.dtype === 'string' || tensor.dtype === 'complex64') {
    throw new MonitoringError('INVALID_ARGUMENT', `tensorStatistics needs a numeric tensor, got dtype '${tensor.dtype}'.`);
  }
  return valueStatistics((await tensor.data()) as ArrayLike<number>, options);
}

/**
 * Statistics of named tensors: the model's weights (`model.getWeights()` names or a variable map)
 * or gradients (`tf.variableGrads(f).grads`). Tensors are read, never disposed.
 *
 * @example
 * ```ts
 * const { value, grads } = tf.variableGrads(() => loss(model, batch));
 * const gradientStats = await namedStatistics(grads);
 * logStatistics(tracker, 'gradients', gradientStats, { step });
 * tf.dispose([value, grads]);
 * ```
 */
export async function namedStatistics(
  tensors: Record<string, tf.Tensor> | readonly tf.Variable[],
  options: StatisticsOptions = {},
): Promise<NamedStatistics> {
  const entries: Array<[string, tf.Tensor]> = Array.isArray(tensors)
    ? (tensors as readonly tf.Variable[]).map((variable) => [variable.name, variable])
    : Object.entries(tensors as Record<string, tf.Tensor>);
  const result: Record<string, TensorStatistics> = {};
  let squares = 0;
  for (const [name, tensor] of entries) {
    const statistics = await tensorStatistics(tensor, options);
    result[name] = statistics;
    squares += statistics.l2Norm * statistics.l2Norm;
  }
  return { tensors: result, globalL2Norm: Math.sqrt(squares) };
}

/**
 * Logs `<prefix>/<name>/{l2_norm,mean,std,min,max,non_finite}` for each tensor and
 * `<prefix>/global_l2_norm`, so norms get alert rules and dashboards like any metric.
 */
export function logStatistics(
  tracker: MetricsTracker,
  prefix: string,
  statistics: NamedStatistics,
  context: LogContext = {},
): void {
  const metrics: Record<string, number> = { [`${prefix}/global_l2_norm`]: statistics.globalL2Norm };
  for (const [name, one] of Object.entries(statistics.tensors)) {
    metrics[`${prefix}/${name}/l2_norm`] = one.l2Norm;
    metrics[`${prefix}/${name}/mean`] = one.mean;
    metrics[`${prefix}/${name}/std`] = one.std;
    metrics[`${prefix}/${name}/min`] = one.min;
    metrics[`${prefix}/${name}/max`] = one.max;
    metrics[`${prefix}/${name}/non_finite`] = one.nonFiniteCount;
  }
  tracker.log(metrics, context);
}
