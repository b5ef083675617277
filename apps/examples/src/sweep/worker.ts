import { Worker } from 'bullmq';
import type { Database, Kysely } from '@holomind/db';
import { disposeBackend } from '@holomind/tensor-kernels';
import { openStudyDatabase } from './run-database.js';
import { checkQueueReachable, redisOptions } from './queue-connection.js';
import { runTrialSegment, type SegmentResult, type TrialJob } from './trial-job.js';

/** Options of {@link runSweepWorker}. */
export interface SweepWorkerOptions {
  queueUrl: string;
  queueName: string;
  /** Jobs this process trains at once (1: the tensor backend is one per process). */
  concurrency?: number;
  /** How long a job's lock lives without renewal; a worker silent this long is taken for dead and its job retried. */
  lockSeconds?: number;
  /** Lines for a person (or a log file). */
  log?: (line: string) => void;
  /** Resolves when the worker should stop (default: SIGINT or SIGTERM). */
  until?: Promise<unknown>;
}

/**
 * `holomind worker`: pulls trial jobs from the BullMQ queue and trains each through
 * `runTrialSegment`, reporting each finished task as job progress (the study's bars). Study
 * databases are opened once per URL and kept. A job this process was training when it died is
 * moved back to the queue by BullMQ's stalled-job check (after `lockSeconds`) and continues from
 * its run's last checkpoint on whichever worker takes it.
 */
export async function runSweepWorker(options: SweepWorkerOptions): Promise<void> {
  const log = options.log ?? ((line: string) => process.stdout.write(`${line}\n`));
  await checkQueueReachable(options.queueUrl);
  const databases = new Map<string, Promise<Kysely<Database>>>();
  const studyDb = (url: string) => {
    if (!databases.has(url)) databases.set(url, openStudyDatabase(url));
    return databases.get(url)!;
  };
  const lockDuration = (options.lockSeconds ?? 30) * 1000;
  const worker = new Worker<TrialJob, SegmentResult>(
    options.queueName,
    async (job) => {
      const data = job.data;
      const name = `trial ${data.trialNumber} seed ${data.seed}`;
      log(
        `${name}: job ${job.id} attempt ${job.attemptsMade + 1}, training to task ${data.stopAfterTask} of ${data.config.training.tasks}`,
      );
      const result = await runTrialSegment(data, await studyDb(data.studyDb), {
        info: log,
        onTask: (tasksDone) => {
          log(`${name}: task ${tasksDone}/${data.config.training.tasks} done`);
          void job.updateProgress(tasksDone);
        },
      });
      log(
        `${name}: job ${job.id} done (${result.tasksDone} task(s) trained${result.resumedFromVersion === null ? '' : `, continued from checkpoint v${result.resumedFromVersion}`})`,
      );
      return result;
    },
    {
      connection: { ...redisOptions(options.queueUrl), maxRetriesPerRequest: null },
      concurrency: options.concurrency ?? 1,
      lockDuration,
      stalledInterval: Math.max(1000, Math.floor(lockDuration / 2)),
      maxStalledCount: 3,
    },
  );
  worker.on('failed', (job, error) => log(`job ${job?.id ?? '?'} failed: ${error.message}`));
  worker.on('error', (error) => log(`worker error: ${error.message}`));
  await worker.waitUntilReady();
  log(
    `holomind worker: waiting for trials on '${options.queueName}' (concurrency ${options.concurrency ?? 1}, lock ${lockDuration / 1000} s)`,
  );
  const stop =
    options.until ??
    new Promise((resolve) => {
      process.once('SIGINT', resolve);
      process.once('SIGTERM', resolve);
    });
  await stop;
  log('holomind worker: finishing the current job, then stopping');
  await worker.close();
  for (const db of databases.values()) await (await db).destroy();
  await disposeBackend();
}
