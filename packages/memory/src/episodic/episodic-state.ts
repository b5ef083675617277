import { describeValue } from '@holomind/core';
import { MemoryError } from '../errors.js';
import { resolveEpisodicOptions, type ResolvedEpisodicOptions } from './episodic-options.js';

/** The state format {@link EpisodicMemory.toState} writes. */
export const EPISODIC_STATE_FORMAT = 'holomind.episodic-memory/1';

/** An episodic memory as plain data: JSON-able options and counts plus typed arrays of the stored rows. */
export interface EpisodicMemoryState {
  format: typeof EPISODIC_STATE_FORMAT;
  options: ResolvedEpisodicOptions;
  /** Stored examples; every array holds exactly this many rows. */
  size: number;
  /** The sampling generator's position. */
  random: number;
  arrays: {
    inputs: Float32Array;
    labels: Int32Array;
    tasks: Int32Array;
    logits: Float32Array;
    importance: Float32Array;
    herdingRank: Int32Array;
    /** [classCount] examples offered per class. */
    classOffered: Float64Array;
    /** offered, stored, evictions, replayHits, samples. */
    counters: Float64Array;
  };
}

/** Throws STATE_MISMATCH naming the first inconsistent field; returns the stored size. */
export function checkEpisodicState(state: EpisodicMemoryState): number {
  const fail = (message: string) =>
    new MemoryError('STATE_MISMATCH', `Not an episodic memory state: ${message} Pass what EpisodicMemory.toState() returned.`);
  if (typeof state !== 'object' || state === null || state.format !== EPISODIC_STATE_FORMAT) {
    throw fail(
      `format is ${describeValue((state as { format?: unknown } | null)?.format)}, expected '${EPISODIC_STATE_FORMAT}'.`,
    );
  }
  const options = resolveEpisodicOptions(state.options);
  const { size, arrays } = state;
  if (!Number.isInteger(size) || size < 0 || size > options.budget)
    throw fail(`size ${describeValue(size)} is not in [0, ${options.budget}].`);
  const expected: [keyof EpisodicMemoryState['arrays'], number, new (n: number) => ArrayLike<number>][] = [
    ['inputs', size * options.inputSize, Float32Array],
    ['labels', size, Int32Array],
    ['tasks', size, Int32Array],
    ['logits', size * options.logitSize, Float32Array],
    ['importance', size, Float32Array],
    ['herdingRank', size, Int32Array],
    ['classOffered', options.classCount, Float64Array],
    ['counters', 5, Float64Array],
  ];
  for (const [name, length, type] of expected) {
    const array = arrays?.[name];
    if (!(array instanceof type) || array.length !== length) {
      throw fail(`arrays.${name} must be a ${type.name} of length ${length}, got ${describeValue(array)}.`);
    }
  }
  if (arrays.labels.some((label) => label < 0 || label >= options.classCount))
    throw fail(`arrays.labels hold a class outside [0, ${options.classCount}).`);
  if (!Number.isInteger(state.random)) throw fail(`random ${describeValue(state.random)} is not a generator state.`);
  return size;
}
