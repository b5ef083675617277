import { existsSync } from 'node:fs';
import path from 'node:path';
import { StudyRepository, type Database, type Kysely } from '@holomind/db';
import { disposeBackend } from '@holomind/tensor-kernels';
import { CliError } from '../errors.js';
import { inProcessExecutor, queueExecutor, type TrialExecutor } from './executors.js';
import { formatLeaderboard, leaderboard, writeLeaderboard } from './leaderboard.js';
import { checkQueueReachable, DEFAULT_QUEUE_NAME } from './queue-connection.js';
import { absoluteDatabaseUrl, openStudyDatabase } from './run-database.js';
import { runStudy } from './run-study.js';
import { loadStudyFile, type StudySpec } from './study-spec.js';
import { silentStudyProgress, studyProgress, type StudyProgress } from './study-progress.js';
import { runSweepWorker } from './worker.js';

/** Flags of `holomind sweep`. */
export interface SweepFlags {
  queue?: string;
  queueName?: string;
  db?: string;
  output?: string;
  quiet?: boolean;
}

/** The study's folder and database URL after the command line's overrides. */
function studyLocation(study: StudySpec, flags: { db?: string; output?: string }): { folder: string; dbUrl: string } {
  const folder = path.resolve(flags.output ?? study.output, study.name);
  return { folder, dbUrl: absoluteDatabaseUrl(flags.db ?? study.db ?? `sqlite:${path.join(folder, 'holomind.db')}`) };
}

/** Opens what a study needs, in the order that fails fastest: queue, then database; nothing trains before both answer. */
export async function prepareSweep(
  study: StudySpec,
  flags: SweepFlags,
): Promise<{ db: Kysely<Database>; dbUrl: string; folder: string; executor: TrialExecutor }> {
  const { folder, dbUrl } = studyLocation(study, flags);
  const queue = flags.queue ?? study.queue;
  if (queue) await checkQueueReachable(queue);
  const db = await openStudyDatabase(dbUrl);
  try {
    const executor = queue ? await queueExecutor(queue, flags.queueName ?? DEFAULT_QUEUE_NAME) : inProcessExecutor(db);
    return { db, dbUrl, folder, executor };
  } catch (error) {
    await db.destroy();
    throw error;
  }
}

/** `holomind sweep <study.yaml>`: runs the study, prints the leaderboard and writes it as CSV and JSON. */
export async function sweepCommand(file: string, flags: SweepFlags, progress?: StudyProgress): Promise<void> {
  const study = await loadStudyFile(file);
  const { db, dbUrl, folder, executor } = await prepareSweep(study, flags);
  const shown = progress ?? (flags.quiet ? silentStudyProgress : studyProgress(study.budget));
  try {
    const { studyId, trials } = await runStudy({ study, db, dbUrl, folder, executor, progress: shown });
    shown.stop();
    const rows = leaderboard(trials, study.objective);
    const files = writeLeaderboard(rows, folder, { study: study.name, studyId, objective: study.objective, seeds: study.seeds });
    process.stdout.write(
      `\nStudy '${study.name}' (${studyId}), objective ${study.objective} on the ${trials.length} trial(s), % mean ± std over seeds ${study.seeds.join(', ')}:\n${formatLeaderboard(rows)}\n\nLeaderboard: ${files.csv}, ${files.json}\n`,
    );
  } finally {
    shown.stop();
    await executor.close();
    await db.destroy();
    await disposeBackend();
  }
}

/** Flags of `holomind sweep status`. */
export interface SweepStatusFlags {
  db?: string;
  output?: string;
  csv?: string;
  json?: string;
}

/** `holomind sweep status <study.yaml | name>`: the latest study of that name, as a leaderboard, also written as CSV and JSON. */
export async function sweepStatusCommand(target: string, flags: SweepStatusFlags): Promise<void> {
  const study = existsSync(target) ? await loadStudyFile(target) : undefined;
  const name = study?.name ?? target;
  const folder = path.resolve(flags.output ?? study?.output ?? '.holomind/sweeps', name);
  const dbUrl = absoluteDatabaseUrl(flags.db ?? study?.db ?? `sqlite:${path.join(folder, 'holomind.db')}`);
  const db = await openStudyDatabase(dbUrl);
  try {
    const studies = new StudyRepository(db);
    const [latest] = await studies.listStudies(name);
    if (!latest) {
      throw new CliError(
        'STUDY_NOT_FOUND',
        `No study named '${name}' in ${dbUrl.startsWith('sqlite:') ? dbUrl : 'the given database'}. Run \`holomind sweep <study.yaml>\` first, or pass the same --db (and --output) the sweep used.`,
      );
    }
    const trials = await studies.listTrials(latest.id);
    const objective = latest.objective as StudySpec['objective'];
    const rows = leaderboard(trials, objective);
    const counts = ['completed', 'pruned', 'running', 'failed'].map(
      (status) => `${trials.filter((t) => t.status === status).length} ${status}`,
    );
    process.stdout.write(
      `Study '${latest.name}' (${latest.id}), ${latest.status}, ${latest.sampler} sampler, objective ${objective}: ${counts.join(', ')}\n${formatLeaderboard(rows)}\n`,
    );
    const files = writeLeaderboard(rows, folder, { study: latest.name, studyId: latest.id, objective, status: latest.status });
    const outputs = { csv: flags.csv ?? files.csv, json: flags.json ?? files.json };
    if (flags.csv || flags.json) {
      const { copyFileSync } = await import('node:fs');
      if (flags.csv) copyFileSync(files.csv, flags.csv);
      if (flags.json) copyFileSync(files.json, flags.json);
    }
    process.stdout.write(`\nLeaderboard: ${outputs.csv}, ${outputs.json}\n`);
  } finally {
    await db.destroy();
  }
}

/** `holomind worker --queue redis://...`: trains trials from the queue until SIGINT or SIGTERM. */
export async function workerCommand(flags: {
  queue: string;
  queueName?: string;
  concurrency?: number;
  lockSeconds?: number;
}): Promise<void> {
  await runSweepWorker({
    queueUrl: flags.queue,
    queueName: flags.queueName ?? DEFAULT_QUEUE_NAME,
    concurrency: flags.concurrency,
    lockSeconds: flags.lockSeconds,
  });
}
