import { hostname } from 'node:os';
import { DatabaseError, type Experiment, type ExperimentRepository } from '@holomind/db';
import type { StateStore } from '@holomind/state';
import { CliError } from '../errors.js';
import { RUN_STATE_ID, runStateId, runStates } from './checkpoint.js';

/** Who runs this process: `<host>:<pid>`, recorded on the experiments it runs. */
export function runOwner(): string {
  return `${hostname()}:${process.pid}`;
}

/** Whether the process an owner string names is alive; undefined when it ran on another machine (or is unknown). */
function ownerAlive(owner: string | null): boolean | undefined {
  const match = owner === null ? null : /^(.*):(\d+)$/.exec(owner);
  if (!match || match[1] !== hostname()) return undefined;
  try {
    process.kill(Number(match[2]), 0);
    return true;
  } catch (error) {
    // EPERM: the process exists but belongs to someone else.
    return (error as { code?: string }).code === 'EPERM';
  }
}

/**
 * Marks `crashed` every `running` experiment started on this machine whose process is gone (killed,
 * or died before finishing). Returns a line per run marked.
 */
export async function markCrashedRuns(experiments: ExperimentRepository): Promise<string[]> {
  const lines: string[] = [];
  for (const experiment of await experiments.list({ status: 'running' })) {
    if (ownerAlive(experiment.owner) !== false) continue;
    try {
      await experiments.finish(experiment.id, { status: 'crashed' });
      lines.push(
        `Experiment ${experiment.id} (${experiment.name}) stopped without finishing (process ${experiment.owner} is gone); marked crashed.`,
      );
    } catch (error) {
      // Another process finished or marked it meanwhile.
      if (!DatabaseError.isInstance(error) || error.code !== 'INVALID_STATE') throw error;
    }
  }
  return lines;
}

/** The experiment id whose checkpoints a state id holds (legacy `run` folders: read from the checkpoint). */
async function experimentOf(store: StateStore, stateId: string): Promise<string> {
  if (stateId !== RUN_STATE_ID) return stateId.slice(RUN_STATE_ID.length + 1);
  const values = (await store.metadata(stateId)).values.values as { progress?: { experimentId?: string } } | undefined;
  return values?.progress?.experimentId ?? '';
}

async function experimentOrNull(experiments: ExperimentRepository, id: string): Promise<Experiment | null> {
  try {
    return await experiments.get(id);
  } catch (error) {
    if (DatabaseError.isInstance(error) && (error.code === 'NOT_FOUND' || error.code === 'INVALID_ARGUMENT')) return null;
    throw error;
  }
}

/**
 * The state id of the run to read or continue: `run` (an experiment id) when given, else the most
 * recent run of the folder that is not completed (with `unfinishedFirst`), else the most recent run.
 */
export async function chooseRun(
  store: StateStore,
  experiments: ExperimentRepository | undefined,
  run?: string,
  unfinishedFirst = true,
): Promise<string> {
  const states = await runStates(store);
  if (states.length === 0) {
    throw new CliError(
      'NO_CHECKPOINT',
      'This output folder has no checkpoint to continue from. Start a run with `holomind train` (same --output), then `holomind resume`.',
    );
  }
  if (run !== undefined) {
    for (const { stateId } of states) {
      if (stateId === runStateId(run) || (stateId === RUN_STATE_ID && (await experimentOf(store, stateId)) === run))
        return stateId;
    }
    const known = await Promise.all(states.map(({ stateId }) => experimentOf(store, stateId)));
    throw new CliError(
      'RUN_NOT_FOUND',
      `This output folder has no run ${JSON.stringify(run)}; its runs (most recent first): ${known.join(', ')}. Pass one of them to --run.`,
    );
  }
  if (unfinishedFirst && experiments) {
    for (const { stateId } of states) {
      const experiment = await experimentOrNull(experiments, await experimentOf(store, stateId));
      if (experiment && experiment.status !== 'completed') return stateId;
    }
  }
  return states[0]!.stateId;
}

/**
 * Takes over an experiment to continue it: a finished or crashed one is reopened (`running`, owned
 * by this process); one still running in a live process is refused with `RUN_IN_PROGRESS`.
 */
export async function claimRun(experiments: ExperimentRepository, experimentId: string): Promise<void> {
  const experiment = await experiments.get(experimentId);
  if (experiment.status === 'running') {
    if (ownerAlive(experiment.owner) === true || (experiment.owner !== null && ownerAlive(experiment.owner) === undefined)) {
      throw new CliError(
        'RUN_IN_PROGRESS',
        `Run ${experimentId} is still running (process ${experiment.owner}); wait for it to end, or resume another run with --run <experiment id>.`,
      );
    }
    // A run from before owners were recorded: nothing tells it is alive, so it is taken over.
    await experiments.finish(experimentId, { status: 'crashed' });
  }
  await experiments.reopen(experimentId, { owner: runOwner() });
}
