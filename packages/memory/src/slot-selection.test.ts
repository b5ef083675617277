import { describe, expect, it } from 'vitest';
import { planEviction, planWrite, type SlotBook } from './slot-selection.js';

function book(filled: number[], usage: number[], importance: number[]): SlotBook {
  return { filled: Float32Array.from(filled), usage: Float32Array.from(usage), importance: Float32Array.from(importance) };
}

describe('planWrite', () => {
  it('fills empty slots first, most important item first, lowest empty slot first', () => {
    const plan = planWrite(book([1, 0, 1, 0], [5, 0, 1, 0], [1, 0, 1, 0]), Float32Array.from([0.2, 0.9]), 0, 'least-used');
    expect(plan.assignments).toEqual([
      { item: 1, slot: 1, replaced: false },
      { item: 0, slot: 3, replaced: false },
    ]);
  });

  it('skips items below the importance threshold', () => {
    const plan = planWrite(book([0, 0, 0], [0, 0, 0], [0, 0, 0]), Float32Array.from([0.1, 0.5, 0.49, 2]), 0.5, 'least-used');
    expect(plan.skipped).toBe(2);
    expect(plan.assignments.map((a) => a.item)).toEqual([3, 1]);
  });

  it('replaces the least-used filled slots once none is empty, each slot at most once per call', () => {
    const plan = planWrite(book([1, 1, 1, 1], [0.5, 0.1, 0.9, 0.1], [9, 9, 9, 9]), Float32Array.from([1, 3, 2]), 0, 'least-used');
    // Ties (slots 1 and 3) go to the lower index; importance 3 goes first.
    expect(plan.assignments).toEqual([
      { item: 1, slot: 1, replaced: true },
      { item: 2, slot: 3, replaced: true },
      { item: 0, slot: 0, replaced: true },
    ]);
    expect(plan.rejected).toBe(0);
  });

  it('under least-important, replaces only slots less important than the item', () => {
    const plan = planWrite(
      book([1, 1, 1], [0, 0, 0], [0.3, 0.1, 0.8]),
      Float32Array.from([0.2, 0.5, 0.05]),
      0,
      'least-important',
    );
    expect(plan.assignments).toEqual([
      { item: 1, slot: 1, replaced: true }, // 0.5 replaces 0.1
      // 0.2 is not more important than the next weakest (0.3): rejected; so is 0.05.
    ]);
    expect(plan.rejected).toBe(2);
  });

  it('rejects items beyond the number of slots in one call', () => {
    const plan = planWrite(book([0, 0], [0, 0], [0, 0]), Float32Array.from([1, 2, 3]), 0, 'least-used');
    expect(plan.assignments.map((a) => [a.item, a.slot])).toEqual([
      [2, 0],
      [1, 1],
    ]);
    expect(plan.rejected).toBe(1);
  });
});

describe('planEviction', () => {
  it('evicts filled slots scoring below the bound, lowest first, keeping the minimum fraction', () => {
    const filled = Float32Array.from([1, 1, 1, 1, 0, 1, 1, 1]);
    const score = Float32Array.from([0.01, 0.5, 0.02, 0.001, 0, 0.03, 0.2, 0.04]);
    // 7 filled, keep ceil(0.5 · 7) = 4 → at most 3 evictions among the 5 below 0.05.
    expect(planEviction(filled, score, 0.05, 0.5)).toEqual([3, 0, 2]);
    expect(planEviction(filled, score, 0.05, 0)).toEqual([3, 0, 2, 5, 7]);
    expect(planEviction(filled, score, 0.05, 1)).toEqual([]);
  });
});
