import type { PipelineState } from '@holomind/data';
import { cacheVariablesOnHost } from '@holomind/tensor-kernels';
import type {
  ProgressiveNetwork,
  ProgressiveNetworkState,
  TaskData,
  TrainingSessionState,
  TrainOptions,
} from '@holomind/network';
import { StateError, type LoadedState, type StateInput, type StateStore } from '@holomind/state';
import { CliError } from '../errors.js';
import { mean } from './continual-summary.js';
import { frozenMemoriesFrom, frozenMemoryEntries, type FrozenMemoryRecord } from './frozen-memory-entries.js';
import type { RunSession } from './open-run.js';
import type { HolomindConfig } from '../config/schema.js';
import type { StrategyState } from '../strategies/continual-strategy.js';

/** The state id of folders written before runs had their own (one run per output folder). */
export const RUN_STATE_ID = 'run';

/** The state id an experiment keeps its checkpoints under: one per run, so runs sharing a folder never mix. */
export function runStateId(experimentId: string): string {
  return `${RUN_STATE_ID}-${experimentId}`;
}

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
  network: Omit<ProgressiveNetworkState, 'arrays' | 'memory' | 'frozenMemories'>;
  memory: { format: string; options: unknown } | null;
  /** The frozen columns' copies of the memory, in order (their arrays live under `frozen-memory/<index>/`). */
  frozenMemories?: FrozenMemoryRecord[];
  /** Each strategy part's JSON values, by part name (its arrays live under `strategy/<part>/`). */
  strategy: Record<string, Record<string, unknown>>;
  /** The fitted preprocessing, so evaluate and resume apply the identical transform. */
  preprocessing?: PipelineState;
  /** The training session of a task stopped between epochs (its optimizer arrays live under `session/`). */
  session?: Omit<TrainingSessionState, 'optimizer'> & {
    optimizer: Array<{ name: string; shape: number[]; dtype: 'float32' | 'int32' }>;
  };
}

function flat<Data extends Float32Array | Float64Array | Int32Array>(data: Data): { data: Data; shape: number[] } {
  return { data, shape: [data.length] };
}

/**
 * Turns a run's parts into one StateStore entry set: arrays under `network/`, `memory/`,
 * `frozen-memory/<index>/` (a frozen column's copy of the memory), `strategy/<part>/` and
 * `session/optimizer/<index>` (a task stopped between epochs).
 */
export function checkpointEntries(
  progress: RunProgress,
  network: ProgressiveNetworkState,
  strategy: Record<string, StrategyState>,
  extras: { preprocessing?: PipelineState; session?: TrainingSessionState } = {},
): StateInput {
  const entries: StateInput = {};
  for (const [name, data] of Object.entries(network.arrays)) entries[`network/${name}`] = flat(data);
  if (network.memory) {
    for (const [name, data] of Object.entries(network.memory.arrays))
      entries[`memory/${name}`] = flat(data as Float32Array | Float64Array);
  }
  const frozen = frozenMemoryEntries(network, 'frozen-memory/');
  for (const [name, data] of Object.entries(frozen.arrays)) entries[name] = flat(data);
  for (const [part, state] of Object.entries(strategy)) {
    for (const [name, data] of Object.entries(state.arrays)) entries[`strategy/${part}/${name}`] = flat(data);
  }
  const { preprocessing, session } = extras;
  session?.optimizer.forEach((weight, index) => (entries[`session/optimizer/${index}`] = flat(weight.data)));
  const { arrays: _arrays, memory, frozenMemories: _frozen, ...networkMeta } = network;
  const values: CheckpointValues = {
    progress,
    network: networkMeta,
    memory: memory ? { format: memory.format, options: memory.options } : null,
    ...(frozen.records.length > 0 ? { frozenMemories: frozen.records } : {}),
    strategy: Object.fromEntries(Object.entries(strategy).map(([part, state]) => [part, state.values])),
    ...(preprocessing ? { preprocessing } : {}),
  };
  if (session) {
    values.session = { ...session, optimizer: session.optimizer.map(({ name, shape, dtype }) => ({ name, shape, dtype })) };
  }
  entries.values = values as unknown as StateInput[string];
  return entries;
}

/** A checkpoint loaded back into the shapes the packages' `fromState` take. */
export interface RestoredCheckpoint {
  stateId: string;
  version: number;
  progress: RunProgress;
  network: ProgressiveNetworkState;
  /** Each strategy part's state, by part name. */
  strategy: Record<string, StrategyState>;
  /** The fitted preprocessing the run applies (none without a `preprocessing` section). */
  preprocessing?: PipelineState;
  /** The kept training session when the checkpoint was taken between two epochs of a task. */
  session?: TrainingSessionState;
}

function arraysUnder<T extends Float32Array | Float64Array | Int32Array>(loaded: LoadedState, prefix: string): Record<string, T> {
  const arrays: Record<string, T> = {};
  for (const [name, tensor] of Object.entries(loaded.tensors)) {
    if (name.startsWith(prefix)) arrays[name.slice(prefix.length)] = tensor.data as T;
  }
  return arrays;
}

function restore(loaded: LoadedState): RestoredCheckpoint {
  const values = loaded.values.values as unknown as CheckpointValues;
  const network: ProgressiveNetworkState = {
    ...(values.network as Omit<ProgressiveNetworkState, 'arrays' | 'memory' | 'frozenMemories'>),
    arrays: arraysUnder<Float32Array>(loaded, 'network/'),
    ...frozenMemoriesFrom(values.frozenMemories, arraysUnder(loaded, 'frozen-memory/')),
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
  const restored: RestoredCheckpoint = {
    stateId: loaded.stateId,
    version: loaded.version,
    progress: values.progress,
    network,
    strategy,
    ...(values.preprocessing ? { preprocessing: values.preprocessing } : {}),
  };
  if (values.session) {
    const optimizerArrays = arraysUnder<Float32Array | Int32Array>(loaded, 'session/optimizer/');
    restored.session = {
      ...values.session,
      optimizer: values.session.optimizer.map((weight, index) => ({ ...weight, data: optimizerArrays[String(index)]! })),
    };
  }
  return restored;
}

/** How {@link loadCheckpoint} picks and checks a version. */
export interface LoadCheckpointOptions {
  /** A version number (default: the latest). */
  version?: number;
  /** When the version is damaged, go back to the newest intact one instead of failing (`--fallback`). */
  fallback?: boolean;
  /** Told about every damaged version passed over (with `fallback`). */
  onDamaged?: (message: string) => void;
}

/**
 * Loads a run's checkpoint with every tensor's SHA-256 verified. A damaged version fails with
 * `CHECKPOINT_DAMAGED` naming the version and file, unless `fallback` asks for the newest intact
 * earlier one; nothing is ever loaded from damaged bytes.
 */
export async function loadCheckpoint(
  store: StateStore,
  stateId: string,
  options: LoadCheckpointOptions = {},
): Promise<RestoredCheckpoint> {
  const history = await store.history(stateId);
  if (history.length === 0) {
    throw new CliError(
      'NO_CHECKPOINT',
      `Run ${stateId} has no checkpoint yet; \`holomind states list\` shows the runs of this output folder.`,
    );
  }
  const start = options.version ?? history.at(-1)!.version;
  const candidates = history.filter((entry) => entry.version <= start).reverse();
  if (options.version !== undefined && candidates[0]?.version !== options.version) {
    await store.metadata(stateId, { version: options.version }); // NOT_FOUND with the versions that exist
  }
  for (const entry of candidates) {
    try {
      return restore(await store.load(stateId, { version: entry.version, verify: true }));
    } catch (error) {
      if (!StateError.isInstance(error) || error.code !== 'CORRUPT_FILE') throw error;
      const message = `Checkpoint version ${entry.version} of ${stateId} is damaged (file ${entry.file} in the output folder's states/): ${error.message}`;
      if (!options.fallback) {
        throw new CliError(
          'CHECKPOINT_DAMAGED',
          `${message} Nothing was loaded. Run again with --fallback to use the newest intact earlier version, or \`holomind states verify\` to list every damaged version.`,
          { cause: error },
        );
      }
      options.onDamaged?.(`${message}; falling back to an earlier version.`);
    }
  }
  throw new CliError(
    'CHECKPOINT_DAMAGED',
    `Every checkpoint version of ${stateId} up to ${start} is damaged; \`holomind states verify\` lists them. Start a new run with \`holomind train\`.`,
  );
}

/** The runs (state ids) whose checkpoints this store holds, most recently saved first. */
export async function runStates(store: StateStore): Promise<Array<{ stateId: string; updatedAt: Date }>> {
  const states = await store.list();
  return states
    .filter((state) => state.stateId === RUN_STATE_ID || state.stateId.startsWith(`${RUN_STATE_ID}-`))
    .map(({ stateId, updatedAt }) => ({ stateId, updatedAt }))
    .sort((a, b) => b.updatedAt.getTime() - a.updatedAt.getTime());
}

/**
 * The latest checkpoint of the most recently saved run of the output folder (or of `stateId`),
 * verified; a clear error when there is none.
 */
export async function loadLatestCheckpoint(
  store: StateStore,
  version?: number,
  options: Omit<LoadCheckpointOptions, 'version'> & { stateId?: string } = {},
): Promise<RestoredCheckpoint> {
  const stateId = options.stateId ?? (await runStates(store))[0]?.stateId;
  if (stateId === undefined) {
    throw new CliError(
      'NO_CHECKPOINT',
      'This output folder has no checkpoint to continue from. Start a run with `holomind train` (same --output), then `holomind resume`.',
    );
  }
  return loadCheckpoint(store, stateId, { ...options, version });
}

/** Whether the run's progress stands between two epochs of a task (a session to keep in the checkpoint). */
function midTask(progress: RunProgress): boolean {
  return progress.epochsDone > 0 && progress.epochsDone < progress.config.training.epochs;
}

/** Saves the run's progress, network, strategy and (between epochs) training session as the next checkpoint version. */
export async function saveCheckpoint(session: RunSession, description: string): Promise<void> {
  const { progress } = session;
  const trainingSession = midTask(progress) ? await session.network.exportTrainingSession() : undefined;
  await cacheVariablesOnHost(); // toState reads the weights synchronously, which WebGPU in Node cannot
  const saved = await session.store.save(
    session.stateId,
    checkpointEntries(progress, session.network.toState(), session.strategy.toState(), {
      preprocessing: session.benchmark.preprocessing,
      session: trainingSession,
    }),
    { description, metrics: progress.matrix.length ? { average_accuracy: mean(progress.matrix.at(-1)!) } : {} },
  );
  session.reporter.checkpoint(saved.version, description);
}

/**
 * Continues the training session the checkpoint kept, when the run resumes between two epochs of
 * `task`: optimizer moments, shuffling stream and batch size as they were. Returns whether it did.
 */
export async function restoreKeptSession(
  session: RunSession,
  network: ProgressiveNetwork,
  data: TaskData,
  options: TrainOptions,
): Promise<boolean> {
  const kept = session.restoredSession;
  session.restoredSession = undefined;
  if (!kept || kept.taskId !== data.taskId || !midTask(session.progress)) return false;
  await network.restoreTrainingSession(data, kept, options);
  return true;
}
