import type { PipelineState } from '@holomind/data';
import type { ProgressiveNetworkState } from '@holomind/network';
import type { LoadedState, StateInput, StateStore } from '@holomind/state';
import { CliError } from '../errors.js';
import { mean } from './continual-summary.js';
import type { RunSession } from './open-run.js';
import type { HolomindConfig } from '../config/schema.js';
import type { StrategyState } from '../strategies/continual-strategy.js';

/** The state id every run directory keeps its checkpoints under. */
export const RUN_STATE_ID = 'run';

/** Where a run stands: enough to continue it exactly at a task boundary, or at an epoch boundary. */
export interface RunProgress {
  experimentId: string;
  /** The task being trained (or the next one when `epochsDone` is 0). */
  taskIndex: number;
  /** Epochs of `taskIndex` already trained. */
  epochsDone: number;
  /** Accuracy-matrix rows so far: row i holds the accuracies after training task i. */
  matrix: number[][];
  config: HolomindConfig;
}

/** What a checkpoint holds besides the arrays. */
interface CheckpointValues {
  progress: RunProgress;
  network: Omit<ProgressiveNetworkState, 'arrays' | 'memory'>;
  memory: { format: string; options: unknown } | null;
  /** Each strategy part's JSON values, by part name (its arrays live under `strategy/<part>/`). */
  strategy: Record<string, Record<string, unknown>>;
  /** The fitted preprocessing, so evaluate and resume apply the identical transform. */
  preprocessing?: PipelineState;
}

function flat<Data extends Float32Array | Float64Array | Int32Array>(data: Data): { data: Data; shape: number[] } {
  return { data, shape: [data.length] };
}

/** Turns a run's parts into one StateStore entry set: arrays under `network/`, `memory/`, `strategy/<part>/`. */
export function checkpointEntries(
  progress: RunProgress,
  network: ProgressiveNetworkState,
  strategy: Record<string, StrategyState>,
  preprocessing?: PipelineState,
): StateInput {
  const entries: StateInput = {};
  for (const [name, data] of Object.entries(network.arrays)) entries[`network/${name}`] = flat(data);
  if (network.memory) {
    for (const [name, data] of Object.entries(network.memory.arrays))
      entries[`memory/${name}`] = flat(data as Float32Array | Float64Array);
  }
  for (const [part, state] of Object.entries(strategy)) {
    for (const [name, data] of Object.entries(state.arrays)) entries[`strategy/${part}/${name}`] = flat(data);
  }
  const { arrays: _arrays, memory, ...networkMeta } = network;
  const values: CheckpointValues = {
    progress,
    network: networkMeta,
    memory: memory ? { format: memory.format, options: memory.options } : null,
    strategy: Object.fromEntries(Object.entries(strategy).map(([part, state]) => [part, state.values])),
    ...(preprocessing ? { preprocessing } : {}),
  };
  entries.values = values as unknown as StateInput[string];
  return entries;
}

/** A checkpoint loaded back into the shapes the packages' `fromState` take. */
export interface RestoredCheckpoint {
  version: number;
  progress: RunProgress;
  network: ProgressiveNetworkState;
  /** Each strategy part's state, by part name. */
  strategy: Record<string, StrategyState>;
  /** The fitted preprocessing the run applies (none without a `preprocessing` section). */
  preprocessing?: PipelineState;
}

function arraysUnder<T extends Float32Array | Float64Array | Int32Array>(loaded: LoadedState, prefix: string): Record<string, T> {
  const arrays: Record<string, T> = {};
  for (const [name, tensor] of Object.entries(loaded.tensors)) {
    if (name.startsWith(prefix)) arrays[name.slice(prefix.length)] = tensor.data as T;
  }
  return arrays;
}

/** The latest checkpoint of the run directory's store, or a clear error when there is none. */
export async function loadLatestCheckpoint(store: StateStore, version?: number): Promise<RestoredCheckpoint> {
  const known = await store.list();
  if (!known.some((summary) => summary.stateId === RUN_STATE_ID)) {
    throw new CliError(
      'NO_CHECKPOINT',
      'This output folder has no checkpoint to continue from. Start a run with `holomind train` (same --output), then `holomind resume`.',
    );
  }
  const loaded = await store.load(RUN_STATE_ID, version === undefined ? {} : { version });
  const values = loaded.values.values as unknown as CheckpointValues;
  const network: ProgressiveNetworkState = {
    ...(values.network as Omit<ProgressiveNetworkState, 'arrays' | 'memory'>),
    arrays: arraysUnder<Float32Array>(loaded, 'network/'),
  };
  if (values.memory) {
    network.memory = {
      ...(values.memory as Omit<NonNullable<ProgressiveNetworkState['memory']>, 'arrays'>),
      arrays: arraysUnder(loaded, 'memory/') as never,
    };
  }
  const strategy = Object.fromEntries(
    Object.entries(values.strategy ?? {}).map(([part, partValues]) => [
      part,
      { values: partValues, arrays: arraysUnder(loaded, `strategy/${part}/`) },
    ]),
  );
  return {
    version: loaded.version,
    progress: values.progress,
    network,
    strategy,
    ...(values.preprocessing ? { preprocessing: values.preprocessing } : {}),
  };
}

/** Saves the run's progress, network and consolidator as the next checkpoint version. */
export async function saveCheckpoint(session: RunSession, description: string): Promise<void> {
  const { progress } = session;
  const saved = await session.store.save(
    RUN_STATE_ID,
    checkpointEntries(progress, session.network.toState(), session.strategy.toState(), session.benchmark.preprocessing),
    { description, metrics: progress.matrix.length ? { average_accuracy: mean(progress.matrix.at(-1)!) } : {} },
  );
  session.reporter.checkpoint(saved.version, description);
}
