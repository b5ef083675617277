import { describe, expect, it } from 'vitest';
import { SeededRandom } from '@holomind/core';
import { sampleRandom, type SearchSpace } from './search-space.js';
import { erf, parzenDensity, parzenEstimator, sampleParzen, suggestTpe, type Observation } from './tpe.js';

describe('erf', () => {
  it('matches tabulated values to 1.5e-7', () => {
    // Abramowitz & Stegun, table 7.1.
    for (const [x, expected] of [
      [0.1, 0.1124629160182849],
      [0.5, 0.5204998778130465],
      [1, 0.8427007929497149],
      [2, 0.9953222650189527],
      [-1, -0.8427007929497149],
    ] as const)
      expect(Math.abs(erf(x) - expected)).toBeLessThan(1.5e-7);
  });
});

describe('parzenEstimator', () => {
  it('gives the widths of hyperopt adaptive_parzen_normal: larger neighbour gap, clipped, the prior keeping the range', () => {
    const estimator = parzenEstimator([0.9, 0.1, 0.2], 0, 1);
    expect(estimator.mus).toEqual([0.1, 0.2, 0.5, 0.9]);
    // Gaps: 0.1 | 0.3 | 0.4; minimum width 1 / min(100, 5) = 0.2; the prior (0.5) keeps 1.
    expect(estimator.sigmas[0]).toBeCloseTo(0.2, 12);
    expect(estimator.sigmas[1]).toBeCloseTo(0.3, 12);
    expect(estimator.sigmas[2]).toBe(1);
    expect(estimator.sigmas[3]).toBeCloseTo(0.4, 12);
    expect(estimator.weights).toEqual([0.25, 0.25, 0.25, 0.25]);
  });

  it('is a density on its range (integrates to 1) and its samples follow it', () => {
    const estimator = parzenEstimator([-1.5, 0.2, 0.25, 2.5], -2, 3);
    const steps = 20_000;
    const h = 5 / steps;
    let integral = 0;
    for (let i = 0; i <= steps; i++) integral += (i === 0 || i === steps ? 0.5 : 1) * parzenDensity(estimator, -2 + i * h) * h;
    expect(integral).toBeCloseTo(1, 4);

    // Mass of [0, 0.5] by the trapezoid rule versus the share of 20,000 draws that land there.
    let mass = 0;
    for (let i = 0; i <= 1000; i++) mass += (i === 0 || i === 1000 ? 0.5 : 1) * parzenDensity(estimator, i * 0.0005) * 0.0005;
    const random = new SeededRandom(3);
    let inside = 0;
    for (let i = 0; i < 20_000; i++) {
      const x = sampleParzen(estimator, random);
      if (x >= 0 && x <= 0.5) inside++;
    }
    // Binomial standard error at n = 20,000 is below 0.0036; allow four of them.
    expect(Math.abs(inside / 20_000 - mass)).toBeLessThan(0.015);
  });
});

describe('suggestTpe', () => {
  const space: SearchSpace = { x: { uniform: [0, 1] }, lr: { logUniform: [1e-4, 1] }, kind: { values: ['a', 'b', 'c'] } };
  // Best at x = 0.3, lr = 1e-2, kind = 'b'.
  const objective = (p: Record<string, unknown>) =>
    -(((p.x as number) - 0.3) ** 2) - 0.05 * (Math.log10(p.lr as number) + 2) ** 2 - (p.kind === 'b' ? 0 : 0.1);

  function bestAfter(trials: number, seed: number, model: boolean): number {
    const random = new SeededRandom(seed);
    const observations: Observation[] = [];
    for (let i = 0; i < trials; i++) {
      const params = model
        ? suggestTpe(space, observations, random, { startupTrials: 5, candidates: 24, gamma: 0.25 })
        : sampleRandom(space, random);
      observations.push({ params, value: objective(params) });
    }
    return Math.max(...observations.map((o) => o.value));
  }

  it('stays inside the space (integers rounded, log ranges respected)', () => {
    const random = new SeededRandom(1);
    const mixed: SearchSpace = { n: { intUniform: [1, 4] }, lr: { logUniform: [1e-3, 1e-1] } };
    const observations: Observation[] = [];
    for (let i = 0; i < 20; i++) {
      const params = suggestTpe(mixed, observations, random, { startupTrials: 3, candidates: 16, gamma: 0.25 });
      expect(Number.isInteger(params.n) && (params.n as number) >= 1 && (params.n as number) <= 4).toBe(true);
      expect(params.lr as number).toBeGreaterThanOrEqual(1e-3);
      expect(params.lr as number).toBeLessThanOrEqual(1e-1);
      observations.push({ params, value: -Math.abs((params.n as number) - 3) });
    }
  });

  it('finds better points than random search with the same number of trials (median over 15 seeds)', () => {
    const median = (values: number[]) => values.sort((a, b) => a - b)[Math.floor(values.length / 2)]!;
    const seeds = Array.from({ length: 15 }, (_, i) => i + 1);
    const tpe = median(seeds.map((seed) => bestAfter(30, seed, true)));
    const random = median(seeds.map((seed) => bestAfter(30, seed, false)));
    expect(tpe).toBeGreaterThan(random);
  });
});
