import type { SeededRandom } from '@holomind/core';

/** One search dimension: a list of values (grid or categorical), or a range. */
export type ParameterSpec =
  | { values: Array<number | string | boolean> }
  | { uniform: [number, number] }
  | { logUniform: [number, number] }
  | { intUniform: [number, number] };

/** Dotted configuration key (`ewc.lambda`, `replay.budget`) to its dimension. */
export type SearchSpace = Record<string, ParameterSpec>;

/** One point of the space: dotted key to value. */
export type TrialParams = Record<string, number | string | boolean>;

/** Every combination of the space's `values` lists, the last key varying fastest. */
export function gridOf(space: SearchSpace): TrialParams[] {
  let points: TrialParams[] = [{}];
  for (const [key, spec] of Object.entries(space)) {
    if (!('values' in spec)) throw new Error(`gridOf: '${key}' is a range`);
    points = points.flatMap((point) => spec.values.map((value) => ({ ...point, [key]: value })));
  }
  return points;
}

/** One value of a dimension drawn uniformly (log-uniformly for `logUniform`). */
export function sampleDimension(spec: ParameterSpec, random: SeededRandom): number | string | boolean {
  if ('values' in spec) return spec.values[random.below(spec.values.length)]!;
  if ('uniform' in spec) return spec.uniform[0] + random.next() * (spec.uniform[1] - spec.uniform[0]);
  if ('logUniform' in spec) {
    const [low, high] = spec.logUniform.map(Math.log) as [number, number];
    return Math.exp(low + random.next() * (high - low));
  }
  return spec.intUniform[0] + random.below(spec.intUniform[1] - spec.intUniform[0] + 1);
}

/** A point drawn uniformly from the whole space. */
export function sampleRandom(space: SearchSpace, random: SeededRandom): TrialParams {
  return Object.fromEntries(Object.entries(space).map(([key, spec]) => [key, sampleDimension(spec, random)]));
}

/** A configuration object with each dotted key of `params` set (`{ ewc: { lambda: 100 } }`). */
export function paramsToConfig(params: TrialParams): Record<string, unknown> {
  const config: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(params)) {
    const parts = key.split('.');
    let section = config;
    for (const part of parts.slice(0, -1)) section = (section[part] ??= {}) as Record<string, unknown>;
    section[parts.at(-1)!] = value;
  }
  return config;
}
