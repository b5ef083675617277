import { EwcError } from './errors.js';

/** Per parameter name: one importance (Fisher diagonal entry) per scalar of the parameter. */
export type Importances = Map<string, Float32Array>;

/** Throws naming the first parameter whose Fisher holds NaN or ±Inf, with the usual causes. */
export function checkFinite(fisher: Importances): void {
  for (const [name, values] of fisher) {
    const index = values.findIndex((value) => !Number.isFinite(value));
    if (index >= 0) {
      throw new EwcError(
        'NON_FINITE_FISHER',
        `The Fisher of variable '${name}' holds ${values[index]} at flat index ${index}. Check the parameters and inputs ` +
          'for NaN, Inf or huge values (the Fisher squares activations and gradients), and a custom loss for log(0) or sqrt of negatives.',
      );
    }
  }
}

/** Scales all importances of one task by the same factor so the largest is 1; an all-zero Fisher stays 0. */
export function normalizeToMaxOne(fisher: Importances): Importances {
  const max = maxImportance(fisher);
  if (max === 0) return fisher;
  return new Map([...fisher].map(([name, values]) => [name, values.map((value) => value / max)]));
}

/** Sets importances below `threshold` to 0; returns how many it zeroed. Mutates `fisher`. */
export function zeroBelow(fisher: Importances, threshold: number): number {
  let zeroed = 0;
  if (threshold <= 0) return 0;
  for (const values of fisher.values()) {
    for (let i = 0; i < values.length; i++) {
      if (values[i]! !== 0 && values[i]! < threshold) {
        values[i] = 0;
        zeroed++;
      }
    }
  }
  return zeroed;
}

/** The largest importance over all parameters. */
export function maxImportance(fisher: Importances): number {
  let max = 0;
  for (const values of fisher.values()) for (const value of values) max = Math.max(max, value);
  return max;
}
