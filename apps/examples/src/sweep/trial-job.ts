import path from 'node:path';
import { ExperimentRepository, StudyRepository, type Database, type Kysely } from '@holomind/db';
import { StateStore } from '@holomind/state';
import type { HolomindConfig } from '../config/schema.js';
import { CliError } from '../errors.js';
import { loadCheckpoint, runStates } from '../pipeline/checkpoint.js';
import { openDatabase } from '../pipeline/database.js';
import type { TrainingReporter } from '../pipeline/reporter.js';
import { chooseRun } from '../pipeline/run-registry.js';
import { runTraining } from '../pipeline/run-training.js';

/** One unit of work: train one seed of one trial up to `stopAfterTask` tasks (a BullMQ job's data). */
export interface TrialJob {
  studyId: string;
  /** The study database, where the result is recorded. */
  studyDb: string;
  trialId: string;
  trialNumber: number;
  seed: number;
  /** The run's whole configuration: its folder (`output`) and database (`db`) are its own. */
  config: HolomindConfig;
  /** Train until this many tasks are done (a pruning point, or all of them). */
  stopAfterTask: number;
}

/** Where a run stands after a job. */
export interface SegmentResult {
  trialNumber: number;
  seed: number;
  experimentId: string;
  tasksDone: number;
  matrix: number[][];
  /** The checkpoint version the job continued from (a retried job, or a later segment); null for a fresh start. */
  resumedFromVersion: number | null;
}

/** What a job reports while it trains. */
export interface SegmentObserver {
  reporter?: TrainingReporter;
  /** Called after each task with the run's number of finished tasks. */
  onTask?(tasksDone: number): void;
  info?(line: string): void;
}

/** Thrown by the segment's reporter after its last task's checkpoint, to end runTraining there. */
class SegmentEnd extends Error {}

function segmentReporter(base: TrainingReporter | undefined, stopAfterTask: number, tasks: number, observer: SegmentObserver) {
  const quiet = () => undefined;
  return {
    info: base?.info.bind(base) ?? quiet,
    startTask: base?.startTask.bind(base) ?? quiet,
    step: base?.step.bind(base) ?? quiet,
    endEpoch: base?.endEpoch.bind(base) ?? quiet,
    checkpoint: base?.checkpoint.bind(base) ?? quiet,
    endTask(taskIndex: number, accuracies: number[]) {
      base?.endTask(taskIndex, accuracies);
      observer.onTask?.(taskIndex + 1);
      // The checkpoint of this task is saved before endTask: the next segment resumes from it.
      if (taskIndex + 1 >= stopAfterTask && stopAfterTask < tasks) throw new SegmentEnd();
    },
  } satisfies TrainingReporter;
}

/**
 * Runs one job through the reference pipeline (`runTraining`), the same way in-process and on a
 * worker. The run's folder holds one run (the study gives every trial and seed a folder of its
 * own): when it has a checkpoint (a later segment, or a retry after a worker died) the job
 * continues that run by its state id (`run-<experiment id>`), otherwise it starts the run (marking
 * an experiment left running by a killed attempt, before its first checkpoint, as stopped). A run
 * that ends a segment before its last task is left `stopped`, so whichever worker takes the next
 * segment can take it over; then the job records where the run stands in the study database.
 */
export async function runTrialSegment(
  job: TrialJob,
  studyDb: Kysely<Database>,
  observer: SegmentObserver = {},
): Promise<SegmentResult> {
  const { config, stopAfterTask } = job;
  const tasks = config.training.tasks;
  const runDb = await openDatabase(config.db);
  try {
    const store = new StateStore({ directory: path.join(config.output, 'states'), db: runDb });
    const experiments = new ExperimentRepository(runDb);
    let stateId = (await runStates(store)).length > 0 ? await chooseRun(store, experiments) : undefined;
    let resumedFromVersion: number | null = null;
    let resumedRun: string | undefined;
    let alreadyTrained = false;
    if (stateId !== undefined) {
      const { version, progress } = await loadCheckpoint(store, stateId);
      resumedFromVersion = version;
      resumedRun = progress.experimentId;
      alreadyTrained = progress.epochsDone === 0 && progress.taskIndex >= stopAfterTask;
      observer.info?.(
        `trial ${job.trialNumber} seed ${job.seed}: continuing from checkpoint v${version} (task ${progress.taskIndex + (progress.epochsDone === 0 ? 0 : 1)}, ${progress.epochsDone} epoch(s) into it)`,
      );
      // The queue gave this job to this process: an attempt that left the run `running` is gone
      // (its lock expired), even when it ran on another machine, where its process cannot be checked.
      const experiment = await experiments.get(progress.experimentId);
      if (experiment.status === 'running' && !alreadyTrained) await experiments.finish(experiment.id, { status: 'crashed' });
    } else {
      for (const orphan of await experiments.list({ status: 'running' }))
        await experiments.finish(orphan.id, { status: 'stopped' });
    }
    if (!alreadyTrained) {
      try {
        await runTraining({
          config,
          resume: resumedRun !== undefined,
          run: resumedRun,
          db: runDb,
          reporter: segmentReporter(observer.reporter, stopAfterTask, tasks, observer),
        });
      } catch (error) {
        if (!(error instanceof SegmentEnd)) throw error;
      }
    }
    stateId ??= (await runStates(store))[0]?.stateId;
    if (stateId === undefined) {
      throw new CliError(
        'NO_CHECKPOINT',
        `Trial ${job.trialNumber} seed ${job.seed} saved no checkpoint in ${config.output}; its training ended before its first task.`,
      );
    }
    const { progress } = await loadCheckpoint(store, stateId);
    // Paused between segments: the next segment's worker reopens it.
    if (stopAfterTask < tasks && (await experiments.get(progress.experimentId)).status === 'running')
      await experiments.finish(progress.experimentId, { status: 'stopped' });
    const result: SegmentResult = {
      trialNumber: job.trialNumber,
      seed: job.seed,
      experimentId: progress.experimentId,
      tasksDone: progress.matrix.length,
      matrix: progress.matrix,
      resumedFromVersion,
    };
    await new StudyRepository(studyDb).recordRun(job.trialId, {
      seed: job.seed,
      experimentId: result.experimentId,
      runDatabase: config.db,
      checkpointDir: config.output,
      tasksDone: result.tasksDone,
      matrix: result.matrix,
    });
    return result;
  } finally {
    await runDb.destroy();
  }
}

/** Marks a pruned run's experiment as stopped in its run database. */
export async function stopRunExperiment(runDbUrl: string, experimentId: string): Promise<void> {
  const runDb = await openDatabase(runDbUrl);
  try {
    const experiments = new ExperimentRepository(runDb);
    if ((await experiments.get(experimentId)).status === 'running') await experiments.finish(experimentId, { status: 'stopped' });
  } finally {
    await runDb.destroy();
  }
}
