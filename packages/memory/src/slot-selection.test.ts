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

// The rule as the docs state it, one linear scan per item: the reference for the sorted planWrite.
function planWriteByScan(
  book: SlotBook,
  itemImportance: Float32Array,
  threshold: number,
  policy: 'least-used' | 'least-important',
) {
  const items = [...itemImportance.keys()].filter((item) => itemImportance[item]! >= threshold);
  items.sort((a, b) => itemImportance[b]! - itemImportance[a]! || a - b);
  const taken = new Set<number>();
  const score = policy === 'least-used' ? book.usage : book.importance;
  const assignments: Array<{ item: number; slot: number; replaced: boolean }> = [];
  for (const item of items) {
    const empty = [...book.filled.keys()].find((slot) => book.filled[slot] === 0 && !taken.has(slot));
    if (empty !== undefined) {
      taken.add(empty);
      assignments.push({ item, slot: empty, replaced: false });
      continue;
    }
    let victim = -1;
    for (let slot = 0; slot < book.filled.length; slot++) {
      if (taken.has(slot) || book.filled[slot] === 0) continue;
      if (victim < 0 || score[slot]! < score[victim]!) victim = slot;
    }
    if (victim < 0 || (policy === 'least-important' && itemImportance[item]! <= book.importance[victim]!)) continue;
    taken.add(victim);
    assignments.push({ item, slot: victim, replaced: true });
  }
  return assignments;
}

describe('planWrite against a scan over every slot per item', () => {
  it.each(['least-used', 'least-important'] as const)('chooses the same slots on random books (%s)', (policy) => {
    let state = 7;
    // Coarse values so that ties in score and importance occur.
    const next = () => ((state = (state * 1103515245 + 12345) % 2 ** 31) % 8) / 8;
    for (let trial = 0; trial < 200; trial++) {
      const slots = 1 + Math.floor(next() * 16);
      const items = 1 + Math.floor(next() * 24);
      const filled = Array.from({ length: slots }, () => (next() < 0.8 ? 1 : 0));
      const random = (length: number) => Array.from({ length }, next);
      const slotBook = book(filled, random(slots), random(slots));
      const importance = Float32Array.from(random(items));
      const plan = planWrite(slotBook, importance, 0.1, policy);
      const expected = planWriteByScan(slotBook, importance, 0.1, policy);
      expect(plan.assignments).toEqual(expected);
      expect(plan.skipped + plan.rejected + plan.assignments.length).toBe(items);
    }
  });

  it.each(['least-used', 'least-important'] as const)(
    'orders signed, zero, subnormal and large values as numbers do (%s)',
    (policy) => {
      // planWrite orders by each float32's bits: −0 must tie with +0, negatives precede positives.
      const values = [-7e20, -3.5, -1e-40, -0, 0, 1e-40, 2.5e-3, 0.5, 3.5, 7e20];
      let state = 11;
      const next = () => values[(state = (state * 1103515245 + 12345) % 2 ** 31) % values.length]!;
      for (let trial = 0; trial < 200; trial++) {
        const slots = 1 + (trial % 17);
        const items = 1 + ((trial * 7) % 25);
        const filled = Array.from({ length: slots }, (_, slot) => ((slot + trial) % 5 === 0 ? 0 : 1));
        const random = (length: number) => Array.from({ length }, next);
        const slotBook = book(filled, random(slots), random(slots));
        const importance = Float32Array.from(random(items));
        expect(planWrite(slotBook, importance, -1e30, policy).assignments).toEqual(
          planWriteByScan(slotBook, importance, -1e30, policy),
        );
      }
    },
  );
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
