import { Queue, QueueEvents } from 'bullmq';
import type { Database, Kysely } from '@holomind/db';
import { redisOptions } from './queue-connection.js';
import { runTrialSegment, type SegmentResult, type TrialJob } from './trial-job.js';

/** What the study sees of a job while it runs. */
export interface JobEvents {
  onTask(job: TrialJob, tasksDone: number): void;
  info(line: string): void;
}

/** Runs a batch of jobs and returns each one's result, or its error, in the batch's order. */
export interface TrialExecutor {
  readonly description: string;
  run(jobs: readonly TrialJob[], events: JobEvents): Promise<Array<SegmentResult | Error>>;
  close(): Promise<void>;
}

/** The embedded mode: every job in this process, one after another, through the same `runTrialSegment` a worker calls. */
export function inProcessExecutor(studyDb: Kysely<Database>): TrialExecutor {
  return {
    description: 'in this process',
    async run(jobs, events) {
      const results: Array<SegmentResult | Error> = [];
      for (const job of jobs) {
        try {
          results.push(
            await runTrialSegment(job, studyDb, { onTask: (tasksDone) => events.onTask(job, tasksDone), info: events.info }),
          );
        } catch (error) {
          results.push(error as Error);
        }
      }
      return results;
    },
    async close() {},
  };
}

/** A job's id: the same job added twice (a restarted study) is stored once. */
export function jobIdOf(job: TrialJob): string {
  return `${job.studyId}-t${job.trialNumber}-s${job.seed}-to${job.stopAfterTask}`;
}

/**
 * Jobs on a BullMQ queue for `holomind worker` processes. A job that throws is retried
 * (`attempts`); a job whose worker died is moved back to the queue by BullMQ's stalled-job check
 * and continues from the run's last checkpoint.
 */
export async function queueExecutor(url: string, queueName: string, attempts = 3): Promise<TrialExecutor> {
  const connection = { ...redisOptions(url), maxRetriesPerRequest: null };
  const queue = new Queue<TrialJob, SegmentResult>(queueName, { connection });
  const queueEvents = new QueueEvents(queueName, { connection });
  await queueEvents.waitUntilReady();
  let events: JobEvents | undefined;
  const running = new Map<string, TrialJob>();
  queueEvents.on('progress', ({ jobId, data }) => {
    const job = running.get(jobId);
    if (job && typeof data === 'number') events?.onTask(job, data);
  });
  return {
    description: `on the BullMQ queue '${queueName}'`,
    async run(jobs, jobEvents) {
      events = jobEvents;
      for (const job of jobs) running.set(jobIdOf(job), job);
      const added = await queue.addBulk(
        jobs.map((job) => ({
          name: 'trial',
          data: job,
          opts: {
            jobId: jobIdOf(job),
            attempts,
            backoff: { type: 'fixed', delay: 1000 },
            removeOnComplete: false,
            removeOnFail: false,
          },
        })),
      );
      return Promise.all(
        added.map((job) =>
          job.waitUntilFinished(queueEvents).then(
            (result: SegmentResult) => result,
            (error: unknown) => (error instanceof Error ? error : new Error(String(error))),
          ),
        ),
      );
    },
    async close() {
      await queueEvents.close();
      await queue.close();
    },
  };
}
