import { MemoryError } from './errors.js';
import type { ResolvedMemoryOptions } from './memory-options.js';

/** Format tag of {@link ExternalMemoryState}; changes only with an incompatible layout. */
export const MEMORY_STATE_FORMAT = 'holomind.memory/1';

/** Order of the numbers in {@link MemoryArrays.counters}. */
export const COUNTER_NAMES = ['reads', 'writes', 'skippedWrites', 'rejectedWrites', 'replacements', 'evictions', 'hits'] as const;

/** The memory's contents as named typed arrays, row-major. */
export interface MemoryArrays {
  /** [slots, heads, keySize] */
  keys: Float32Array;
  /** [slots, heads, valueSize] */
  values: Float32Array;
  /** [slots], 1 for a filled slot. */
  mask: Float32Array;
  /** [slots] */
  usage: Float32Array;
  /** [slots] */
  importance: Float32Array;
  /** The counters of `stats()`, in {@link COUNTER_NAMES} order (float64: exact to 2^53). */
  counters: Float64Array;
}

/** Everything needed to rebuild an {@link ExternalMemory} exactly: JSON options plus typed arrays. */
export interface ExternalMemoryState {
  format: typeof MEMORY_STATE_FORMAT;
  options: ResolvedMemoryOptions;
  arrays: MemoryArrays;
}

/** Expected length of each array for the given options. */
export function memoryArrayLengths(options: ResolvedMemoryOptions): Record<keyof MemoryArrays, number> {
  const { slots, heads, keySize, valueSize } = options;
  return {
    keys: slots * heads * keySize,
    values: slots * heads * valueSize,
    mask: slots,
    usage: slots,
    importance: slots,
    counters: COUNTER_NAMES.length,
  };
}

/** Throws STATE_MISMATCH naming the first array whose type or length does not fit the options. */
export function validateMemoryState(state: ExternalMemoryState): void {
  if (state?.format !== MEMORY_STATE_FORMAT) {
    throw new MemoryError(
      'STATE_MISMATCH',
      `Memory state format must be '${MEMORY_STATE_FORMAT}', got '${String(state?.format)}'.`,
    );
  }
  const lengths = memoryArrayLengths(state.options);
  for (const [name, length] of Object.entries(lengths) as [keyof MemoryArrays, number][]) {
    const array = state.arrays?.[name];
    const type = name === 'counters' ? Float64Array : Float32Array;
    if (!(array instanceof type) || array.length !== length) {
      throw new MemoryError(
        'STATE_MISMATCH',
        `Memory state array '${name}' must be a ${type.name} of length ${length} for these options, got ` +
          `${array ? `${array.constructor.name} of length ${(array as ArrayLike<number>).length}` : 'nothing'}; ` +
          'pass the state exactly as toState() returned it.',
      );
    }
  }
}
