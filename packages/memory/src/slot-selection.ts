import type { WritePolicy } from './memory-options.js';

/** What the memory looks like to a write or a cleanup: one entry per slot, host-side. */
export interface SlotBook {
  /** 1 for a filled slot, 0 for an empty one. */
  filled: Float32Array;
  /** Santoro et al.'s usage weight w^u of each slot. */
  usage: Float32Array;
  /** Importance the slot's content was written with (decayed by cleanup). */
  importance: Float32Array;
}

/** One item of a write and the slot it goes to. */
export interface SlotAssignment {
  /** Row of the written batch. */
  item: number;
  slot: number;
  /** The slot held something before (an overwrite, not a fill). */
  replaced: boolean;
}

/** Where each item of one write call goes. */
export interface WritePlan {
  assignments: SlotAssignment[];
  /** Items below the importance threshold. */
  skipped: number;
  /**
   * Items at or above the threshold that found no slot: under `least-important`, items no more
   * important than every stored one; under either policy, items beyond M in one call.
   */
  rejected: number;
}

/**
 * Chooses slots for a batch of items, most important first: empty slots (lowest index first), then
 * the filled slot with the lowest score — usage under `least-used` (Santoro et al. 2016's
 * least-recently-used access), stored importance under `least-important`, where an item only
 * replaces a less important one. A slot receives at most one item per call; ties go to the lower index.
 */
export function planWrite(book: SlotBook, itemImportance: Float32Array, threshold: number, policy: WritePolicy): WritePlan {
  const slots = book.filled.length;
  const above: number[] = [];
  let skipped = 0;
  for (let item = 0; item < itemImportance.length; item++) {
    if (itemImportance[item]! >= threshold) above.push(item);
    else skipped++;
  }
  const candidates = sortByValue(above, itemImportance, 'descending');

  const score = policy === 'least-used' ? book.usage : book.importance;
  // Empty slots in index order; filled ones from the lowest score up (ties: lower index), taken in
  // order: one sort instead of a scan over every slot per item (a training step writes 128 items into 256 slots).
  const empty: number[] = [];
  const filled: number[] = [];
  for (let slot = 0; slot < slots; slot++) (book.filled[slot] === 0 ? empty : filled).push(slot);
  const byScore = sortByValue(filled, score, 'ascending');

  const assignments: SlotAssignment[] = [];
  let rejected = 0;
  let nextEmpty = 0;
  let nextFilled = 0;
  for (const item of candidates) {
    if (nextEmpty < empty.length) {
      assignments.push({ item, slot: empty[nextEmpty++]!, replaced: false });
      continue;
    }
    const victim = byScore[nextFilled];
    if (victim === undefined || (policy === 'least-important' && itemImportance[item]! <= book.importance[victim]!)) {
      rejected++;
      continue;
    }
    nextFilled++;
    assignments.push({ item, slot: victim, replaced: true });
  }
  return { assignments, skipped, rejected };
}

/**
 * Slots a cleanup empties: filled slots whose score is below `evictBelow`, lowest first, while at
 * least ceil(minKeepFraction · filled) slots stay filled. `score` is usage or importance, already decayed.
 */
export function planEviction(filled: Float32Array, score: Float32Array, evictBelow: number, minKeepFraction: number): number[] {
  const filledSlots: number[] = [];
  for (let slot = 0; slot < filled.length; slot++) if (filled[slot] !== 0) filledSlots.push(slot);
  const keepAtLeast = Math.ceil(minKeepFraction * filledSlots.length);
  const evictable = filledSlots.filter((slot) => score[slot]! < evictBelow).sort((a, b) => score[a]! - score[b]! || a - b);
  return evictable.slice(0, Math.max(0, filledSlots.length - keepAtLeast));
}

// An index below this fits beside a 32-bit key in a float64's 53-bit integer range.
const INDEX_LIMIT = 2 ** 21;
const floatBits = new Float32Array(1);
const floatBitsAsInteger = new Uint32Array(floatBits.buffer);

// A float32's bits as an unsigned integer that orders like the numbers (−0 as +0).
function orderedBits(value: number): number {
  floatBits[0] = value + 0; // −0 + 0 is +0
  const bits = floatBitsAsInteger[0]!;
  return bits >= 0x80000000 ? 0xffffffff - bits : bits + 0x80000000;
}

/**
 * `indices` ordered by `values[index]` (ties: lower index first). Each index is packed beside its
 * value's ordered bits into one float64 and the typed array sorted natively: a comparator sort of a
 * write's 128 items into 256 full slots made planWrite take ~48 µs, this ~25 µs (measured alone).
 */
function sortByValue(indices: number[], values: Float32Array, order: 'ascending' | 'descending'): number[] {
  // Every index is below values.length.
  if (values.length > INDEX_LIMIT) {
    const sign = order === 'ascending' ? 1 : -1;
    return indices.sort((a, b) => sign * (values[a]! - values[b]!) || a - b);
  }
  const packed = new Float64Array(indices.length);
  for (let position = 0; position < indices.length; position++) {
    const index = indices[position]!;
    const bits = orderedBits(values[index]!);
    packed[position] = (order === 'ascending' ? bits : 0xffffffff - bits) * INDEX_LIMIT + index;
  }
  packed.sort();
  const sorted = new Array<number>(packed.length);
  for (let position = 0; position < packed.length; position++) sorted[position] = packed[position]! % INDEX_LIMIT;
  return sorted;
}
