import { classCounts, featureSize, type DataSplit } from './split.js';

/** Summary of one split, JSON-serialisable. */
export interface SplitStatistics {
  count: number;
  /** Entry c: samples with label c. */
  samplesPerClass: number[];
  /** Per feature (length = product of featureShape), over all samples; std is the population std. */
  featureMean: number[];
  featureStd: number[];
  featureMin: number[];
  featureMax: number[];
}

/** Per-feature mean/std/min/max (float64 accumulation, two passes) and samples per class. */
export function splitStatistics(split: DataSplit, numClasses: number): SplitStatistics {
  const size = featureSize(split.featureShape);
  const count = split.labels.length;
  const sum = new Float64Array(size);
  const min = new Float64Array(size).fill(Infinity);
  const max = new Float64Array(size).fill(-Infinity);
  const { features } = split;
  for (let sample = 0; sample < count; sample++) {
    const base = sample * size;
    for (let j = 0; j < size; j++) {
      const value = features[base + j]!;
      sum[j]! += value;
      if (value < min[j]!) min[j] = value;
      if (value > max[j]!) max[j] = value;
    }
  }
  const mean = sum.map((total) => total / count);
  // Second pass over deviations: no cancellation from sum-of-squares minus squared mean.
  const squares = new Float64Array(size);
  for (let sample = 0; sample < count; sample++) {
    const base = sample * size;
    for (let j = 0; j < size; j++) {
      const deviation = features[base + j]! - mean[j]!;
      squares[j]! += deviation * deviation;
    }
  }
  return {
    count,
    samplesPerClass: classCounts(split.labels, numClasses),
    featureMean: Array.from(mean),
    featureStd: Array.from(squares, (total) => Math.sqrt(total / count)),
    featureMin: Array.from(min),
    featureMax: Array.from(max),
  };
}

/**
 * The q-quantile of `values` with linear interpolation between order statistics (NumPy's default):
 * position (n - 1) * q. Reorders `values` in place (quickselect, expected O(n)); pass a copy.
 */
export function quantileInPlace(values: Float64Array | Float32Array, q: number): number {
  const n = values.length;
  if (n === 0) return Number.NaN;
  const position = (n - 1) * q;
  const lower = Math.floor(position);
  const low = select(values, lower, 0, n - 1);
  if (lower === position) return low;
  // After selecting `lower`, everything right of it is >= it: the next order statistic is their minimum.
  let high = Infinity;
  for (let i = lower + 1; i < n; i++) if (values[i]! < high) high = values[i]!;
  return low + (position - lower) * (high - low);
}

// Hoare-partition quickselect with median-of-three pivots: values[k] ends as the k-th smallest.
function select(values: Float64Array | Float32Array, k: number, left: number, right: number): number {
  let lo = left;
  let hi = right;
  while (hi > lo) {
    const middle = (lo + hi) >>> 1;
    const a = values[lo]!;
    const b = values[middle]!;
    const c = values[hi]!;
    const pivot = a < b ? (b < c ? b : a < c ? c : a) : a < c ? a : b < c ? c : b;
    let i = lo;
    let j = hi;
    while (i <= j) {
      while (values[i]! < pivot) i++;
      while (values[j]! > pivot) j--;
      if (i <= j) {
        const swap = values[i]!;
        values[i] = values[j]!;
        values[j] = swap;
        i++;
        j--;
      }
    }
    if (k <= j) hi = j;
    else if (k >= i) lo = i;
    else return values[k]!;
  }
  return values[k]!;
}
