import type { ExternalMemoryState } from '@holomind/memory';
import type { LayerDescription } from './layers/dense.js';
import type { ResolvedNetworkOptions } from './network-options.js';
import type { TaskColumnDescription, TaskColumnOptions } from './task-column.js';

/** Format tag of {@link ProgressiveNetworkState}; changes only with an incompatible layout. */
export const NETWORK_STATE_FORMAT = 'holomind.progressive-network/1';

/** One task's column as a state records it: its task id and the options it was built with. */
export interface ColumnRecord extends TaskColumnOptions {
  taskId: string;
}

/** JSON part of a state: enough to rebuild the architecture and continue its random streams. */
export interface NetworkConfig {
  options: ResolvedNetworkOptions;
  tasks: ColumnRecord[];
  extractorFrozen: boolean;
  /** Whether columns were built with a memory query (a memory must come back with them). */
  withMemory: boolean;
  /**
   * Whether a column frozen with a memory attached reads its own copy of the memory as it was when
   * the column froze (states saved since 2026-12-04); absent: frozen columns read the shared memory.
   */
  memorySnapshots?: boolean;
  /** States of the initialisation and training generators. */
  random: { init: number; training: number };
}

/**
 * A whole network: JSON config, every parameter as a named Float32Array, and the attached memory's
 * state. Optimizer moments are not part of it (a kept training session is not saved).
 */
export interface ProgressiveNetworkState {
  format: typeof NETWORK_STATE_FORMAT;
  config: NetworkConfig;
  arrays: Record<string, Float32Array>;
  memory?: ExternalMemoryState;
  /** Each frozen column's copy of the memory, by task id (see {@link NetworkConfig.memorySnapshots}). */
  frozenMemories?: Record<string, ExternalMemoryState>;
}

/** What `describe()` returns: the architecture as JSON, for archiving. */
export interface NetworkDescription {
  format: typeof NETWORK_STATE_FORMAT;
  inputShape: number[];
  extractor: {
    kind: string;
    frozen: boolean;
    freeze: string;
    outputSize: number;
    layers: LayerDescription[];
    parameters: number;
  };
  columns: TaskColumnDescription[];
  memory: {
    slots: number;
    heads: number;
    keySize: number;
    valueSize: number;
    similarity: string;
    queryWidth: number;
    readWidth: number;
  } | null;
  maxColumns: number;
  seed: number;
  parameters: { total: number; trainable: number; frozen: number };
}
