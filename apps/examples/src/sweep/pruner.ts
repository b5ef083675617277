import type { StudySpec } from './study-spec.js';

/** A trial's objective at one pruning point (mean over its seeds). */
export interface RungValue {
  trialNumber: number;
  value: number;
}

/**
 * The trials to stop at a pruning point, decided on every trial still running at that point at
 * once (synchronous), so the decision does not depend on how many workers ran them or in which
 * order they finished.
 * - `median` (the median stopping rule of Google Vizier, Golovin et al. 2017): stop the trials
 *   strictly below the median of the values.
 * - `halving` (successive halving, Jamieson & Talwalkar 2016): keep the best ⌈n / eta⌉, ties
 *   broken by trial number.
 */
export function trialsToPrune(rule: StudySpec['pruner']['rule'], values: readonly RungValue[], eta = 2): Set<number> {
  if (rule === 'none' || values.length < 2) return new Set();
  if (rule === 'median') {
    const sorted = values.map((entry) => entry.value).sort((a, b) => a - b);
    const middle = sorted.length / 2;
    const median = sorted.length % 2 ? sorted[Math.floor(middle)]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
    return new Set(values.filter((entry) => entry.value < median).map((entry) => entry.trialNumber));
  }
  const ranked = [...values].sort((a, b) => b.value - a.value || a.trialNumber - b.trialNumber);
  return new Set(ranked.slice(Math.ceil(values.length / eta)).map((entry) => entry.trialNumber));
}
