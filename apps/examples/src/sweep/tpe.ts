import type { SeededRandom } from '@holomind/core';
import { sampleDimension, sampleRandom, type ParameterSpec, type SearchSpace, type TrialParams } from './search-space.js';

/** A finished trial as the sampler sees it: its parameters and objective (higher is better). */
export interface Observation {
  params: TrialParams;
  value: number;
}

/** Options of {@link suggestTpe} (defaults as in hyperopt's `tpe.suggest`, Bergstra et al. 2011/2013). */
export interface TpeOptions {
  /** Random trials before the model is used. */
  startupTrials: number;
  /** Candidates drawn from l(x) per dimension; the one with the largest l(x)/g(x) wins. */
  candidates: number;
  /** Fraction of the observations that count as good (the γ quantile). */
  gamma: number;
}

/** A mixture of Gaussians truncated to [low, high]: the adaptive Parzen estimator of one numeric dimension. */
export interface ParzenEstimator {
  low: number;
  high: number;
  weights: number[];
  mus: number[];
  sigmas: number[];
}

/** erf by Abramowitz & Stegun 7.1.26 (absolute error below 1.5e-7). */
export function erf(x: number): number {
  const sign = Math.sign(x);
  const t = 1 / (1 + 0.3275911 * Math.abs(x));
  const poly = t * (0.254829592 + t * (-0.284496736 + t * (1.421413741 + t * (-1.453152027 + t * 1.061405429))));
  return sign * (1 - poly * Math.exp(-x * x));
}

const normalCdf = (x: number) => 0.5 * (1 + erf(x / Math.SQRT2));

/**
 * hyperopt's `adaptive_parzen_normal`: the observations plus a prior component at the middle of
 * the range (σ = the range's width); each observation's σ is the larger distance to its sorted
 * neighbours, clipped to [width / min(100, n + 1), width]. All components weigh the same.
 */
export function parzenEstimator(points: readonly number[], low: number, high: number): ParzenEstimator {
  const width = high - low;
  const priorMu = (low + high) / 2;
  const mus = [...points, priorMu].sort((a, b) => a - b);
  const sigmas = mus.map((mu, i) => {
    const left = i > 0 ? mu - mus[i - 1]! : 0;
    const right = i < mus.length - 1 ? mus[i + 1]! - mu : 0;
    return Math.max(left, right);
  });
  const minimum = width / Math.min(100, mus.length + 1);
  const clipped = sigmas.map((sigma) => Math.min(Math.max(sigma, minimum), width));
  // The prior keeps its own width (the first index of the prior mean in the sorted list).
  clipped[mus.indexOf(priorMu)] = width;
  return { low, high, weights: mus.map(() => 1 / mus.length), mus, sigmas: clipped };
}

/** The estimator's density at `x` (each Gaussian renormalised to the range). */
export function parzenDensity(estimator: ParzenEstimator, x: number): number {
  if (x < estimator.low || x > estimator.high) return 0;
  let density = 0;
  estimator.mus.forEach((mu, i) => {
    const sigma = estimator.sigmas[i]!;
    const mass = normalCdf((estimator.high - mu) / sigma) - normalCdf((estimator.low - mu) / sigma);
    const z = (x - mu) / sigma;
    density += (estimator.weights[i]! * Math.exp(-0.5 * z * z)) / (sigma * Math.sqrt(2 * Math.PI) * mass);
  });
  return density;
}

/** One draw from the estimator: a component by weight, then its Gaussian truncated by rejection. */
export function sampleParzen(estimator: ParzenEstimator, random: SeededRandom): number {
  let pick = random.next();
  let component = 0;
  while (component < estimator.weights.length - 1 && pick >= estimator.weights[component]!)
    pick -= estimator.weights[component++]!;
  const mu = estimator.mus[component]!;
  const sigma = estimator.sigmas[component]!;
  for (let attempt = 0; attempt < 100; attempt++) {
    const x = mu + sigma * random.normal();
    if (x >= estimator.low && x <= estimator.high) return x;
  }
  return Math.min(Math.max(mu, estimator.low), estimator.high);
}

/** Numeric dimensions in the scale TPE models them in: log for `logUniform`, ±0.5 around integers. */
function internalRange(spec: Exclude<ParameterSpec, { values: unknown }>): { low: number; high: number } {
  if ('uniform' in spec) return { low: spec.uniform[0], high: spec.uniform[1] };
  if ('logUniform' in spec) return { low: Math.log(spec.logUniform[0]), high: Math.log(spec.logUniform[1]) };
  return { low: spec.intUniform[0] - 0.5, high: spec.intUniform[1] + 0.5 };
}

function toInternal(spec: ParameterSpec, value: number): number {
  return 'logUniform' in spec ? Math.log(value) : value;
}

function fromInternal(spec: ParameterSpec, x: number): number {
  if ('logUniform' in spec) return Math.exp(x);
  if ('intUniform' in spec) return Math.min(Math.max(Math.round(x), spec.intUniform[0]), spec.intUniform[1]);
  return x;
}

function suggestNumeric(
  spec: Exclude<ParameterSpec, { values: unknown }>,
  good: number[],
  bad: number[],
  random: SeededRandom,
  candidates: number,
): number {
  const { low, high } = internalRange(spec);
  const below = parzenEstimator(
    good.map((value) => toInternal(spec, value)),
    low,
    high,
  );
  const above = parzenEstimator(
    bad.map((value) => toInternal(spec, value)),
    low,
    high,
  );
  let best = Number.NaN;
  let bestScore = -Infinity;
  for (let i = 0; i < candidates; i++) {
    const x = sampleParzen(below, random);
    const score = Math.log(parzenDensity(below, x)) - Math.log(parzenDensity(above, x));
    if (score > bestScore) [best, bestScore] = [x, score];
  }
  return fromInternal(spec, best);
}

/** Categorical dimensions: counts plus one pseudo-count per choice (a uniform prior), for good and bad. */
function suggestCategorical(
  values: ReadonlyArray<number | string | boolean>,
  good: unknown[],
  bad: unknown[],
  random: SeededRandom,
  candidates: number,
): number | string | boolean {
  const weights = (observed: unknown[]) =>
    values.map((value) => (observed.filter((seen) => seen === value).length + 1) / (observed.length + values.length));
  const below = weights(good);
  const above = weights(bad);
  let best = 0;
  let bestScore = -Infinity;
  for (let i = 0; i < candidates; i++) {
    let pick = random.next();
    let index = 0;
    while (index < values.length - 1 && pick >= below[index]!) pick -= below[index++]!;
    const score = Math.log(below[index]!) - Math.log(above[index]!);
    if (score > bestScore) [best, bestScore] = [index, score];
  }
  return values[best]!;
}

/**
 * Tree-structured Parzen Estimator (Bergstra, Bardenet, Bengio & Kégl 2011), independent per
 * dimension as in hyperopt: the best γ of the observations (higher value is better) define l(x),
 * the rest g(x); each dimension takes the candidate drawn from l with the largest l(x)/g(x).
 * Random until `startupTrials` observations exist.
 */
export function suggestTpe(
  space: SearchSpace,
  observations: readonly Observation[],
  random: SeededRandom,
  options: TpeOptions,
): TrialParams {
  if (observations.length < options.startupTrials) return sampleRandom(space, random);
  const sorted = [...observations].sort((a, b) => b.value - a.value);
  const goodCount = Math.max(1, Math.ceil(options.gamma * sorted.length));
  const good = sorted.slice(0, goodCount);
  const bad = sorted.slice(goodCount);
  const params: TrialParams = {};
  for (const [key, spec] of Object.entries(space)) {
    const column = (trials: Observation[]) => trials.map((trial) => trial.params[key]).filter((value) => value !== undefined);
    if ('values' in spec) {
      params[key] = suggestCategorical(spec.values, column(good), column(bad), random, options.candidates);
    } else {
      const numeric = (trials: Observation[]) => column(trials).filter((value): value is number => typeof value === 'number');
      params[key] =
        good.length === 0
          ? (sampleDimension(spec, random) as number)
          : suggestNumeric(spec, numeric(good), numeric(bad), random, options.candidates);
    }
  }
  return params;
}
