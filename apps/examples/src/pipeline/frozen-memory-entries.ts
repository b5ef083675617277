import type { ProgressiveNetworkState } from '@holomind/network';

type MemoryState = NonNullable<ProgressiveNetworkState['memory']>;

/** A frozen column's copy of the memory as a stored state's JSON values record it (its arrays are stored apart). */
export interface FrozenMemoryRecord {
  taskId: string;
  format: string;
  options: unknown;
}

/**
 * The frozen columns' copies of the memory (`ProgressiveNetworkState.frozenMemories`) as arrays named
 * `<prefix><index>/<array>` and JSON records, in column order: task ids may hold any character, an
 * index is safe in an entry name.
 */
export function frozenMemoryEntries(
  network: ProgressiveNetworkState,
  prefix: string,
): { arrays: Record<string, Float32Array | Float64Array>; records: FrozenMemoryRecord[] } {
  const arrays: Record<string, Float32Array | Float64Array> = {};
  const records = Object.entries(network.frozenMemories ?? {}).map(([taskId, copy], index) => {
    for (const [name, data] of Object.entries(copy.arrays)) arrays[`${prefix}${index}/${name}`] = data as Float32Array;
    return { taskId, format: copy.format, options: copy.options };
  });
  return { arrays, records };
}

/** The inverse of {@link frozenMemoryEntries}: `arrays` by their names below the prefix (`<index>/<array>`). */
export function frozenMemoriesFrom(
  records: readonly FrozenMemoryRecord[] | undefined,
  arrays: Readonly<Record<string, unknown>>,
): Pick<ProgressiveNetworkState, 'frozenMemories'> {
  if (!records || records.length === 0) return {};
  const copies = records.map(({ taskId, ...meta }, index) => {
    const under = `${index}/`;
    const own = Object.entries(arrays)
      .filter(([name]) => name.startsWith(under))
      .map(([name, data]) => [name.slice(under.length), data]);
    return [taskId, { ...(meta as Omit<MemoryState, 'arrays'>), arrays: Object.fromEntries(own) as MemoryState['arrays'] }];
  });
  return { frozenMemories: Object.fromEntries(copies) };
}
