import type { Database, Kysely } from '@holomind/db';
import type { HolomindConfig } from '../config/schema.js';
import { saveCheckpoint } from './checkpoint.js';
import { openDatabase } from './database.js';
import { finishRun, type RunSummary } from './finish-run.js';
import { openRun, type RunSession } from './open-run.js';
import { recordEvaluation } from './record.js';
import type { TrainingReporter } from './reporter.js';
import { evaluateSeenTasks } from './task-data.js';
import { mergeTasks, trainTask } from './train-task.js';

export type { RunSummary } from './finish-run.js';

/** Options of {@link runTraining}. */
export interface RunTrainingOptions {
  config: HolomindConfig;
  /** Continue from the output folder's latest checkpoint (after a crash too). */
  resume?: boolean;
  /** When resuming, train up to this many tasks in all (go on to new tasks); default: the run's own count. */
  resumeTasks?: number;
  reporter: TrainingReporter;
  /** Use this database instead of opening `config.db` (tests, compare). */
  db?: Kysely<Database>;
  /** When resuming: the experiment id of the run (default: the most recent unfinished run of the folder). */
  run?: string;
  /** When resuming from a damaged checkpoint: use the newest intact earlier version instead of failing. */
  fallback?: boolean;
}

/**
 * The reference pipeline: data → progressive network (+ external memory) → EWC → checkpoints in
 * HDF5 with SQL metadata → the experiment and its metrics in SQL → TensorBoard, accuracy matrix,
 * forgetting alerts. Each step is its own module: open run, build model, train task, evaluate
 * seen tasks, record, checkpoint, finish.
 */
export async function runTraining(options: RunTrainingOptions): Promise<RunSummary> {
  // Fail on the database before spending any time on data or training.
  const db = options.db ?? (await openDatabase(options.config.db));
  let session: RunSession | undefined;
  try {
    session = await openRun({ ...options, db });
    const { plan, strategy, tasks } = session;
    const classify = strategy.classify.bind(strategy);
    const split = session.config.training.evaluateOn === 'validation' ? 'val' : 'test';
    if (plan.joint && session.progress.taskIndex < tasks.length) {
      // The upper bound: every task's data at once, evaluated on each task; one accuracy-matrix row.
      const last = tasks.length - 1;
      await trainTask(session, last, mergeTasks(tasks));
      const row = await evaluateSeenTasks(session.network, plan, tasks, last, classify, split);
      recordEvaluation(session, last, row);
      await saveCheckpoint(session, 'after joint training');
      session.reporter.endTask(last, row);
    }
    for (let taskIndex = session.progress.taskIndex; taskIndex < tasks.length; taskIndex++) {
      await trainTask(session, taskIndex);
      const row = await evaluateSeenTasks(session.network, plan, tasks, taskIndex, classify, split);
      recordEvaluation(session, taskIndex, row);
      await saveCheckpoint(session, `after task ${taskIndex + 1}`);
      session.reporter.endTask(taskIndex, row);
    }
    return await finishRun(session);
  } finally {
    // Closed on every way out, so queued metrics, alerts and TensorBoard files are flushed even when a task fails.
    await session?.monitoring.close();
    session?.network.dispose();
    // The pipeline built the external memory and handed it to the network, which disposes only a
    // memory it restored itself; ExternalMemory.dispose is idempotent, so a restored one is safe too.
    session?.network.memory?.dispose();
    session?.strategy.dispose();
    if (!options.db) await db.destroy();
  }
}
