import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import path from 'node:path';
import { StudyRepository, type Database, type Kysely, type Study } from '@holomind/db';
import { studyPageHtml } from '@holomind/monitoring';
import { disposeBackend } from '@holomind/tensor-kernels';
import { CliError } from '../errors.js';
import { inProcessExecutor, queueExecutor, type TrialExecutor } from './executors.js';
import { formatLeaderboard, leaderboard, writeLeaderboard } from './leaderboard.js';
import { checkQueueReachable, DEFAULT_QUEUE_NAME } from './queue-connection.js';
import { absoluteDatabaseUrl, openStudyDatabase } from './run-database.js';
import { runStudy } from './run-study.js';
import { loadStudyFile, type StudySpec } from './study-spec.js';
import { studyPageData } from './study-page-data.js';
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
    const { studyId, trials, failures } = await runStudy({ study, db, dbUrl, folder, executor, progress: shown });
    shown.stop();
    const rows = leaderboard(trials, study.objective);
    const files = writeLeaderboard(rows, folder, { study: study.name, studyId, objective: study.objective, seeds: study.seeds });
    const { page } = await readStudy(db, study.name, dbUrl);
    writeFileSync(path.join(folder, 'study.html'), page());
    process.stdout.write(
      `\nStudy '${study.name}' (${studyId}), objective ${study.objective} on the ${trials.length} trial(s), % mean ± std over seeds ${study.seeds.join(', ')}:\n${formatLeaderboard(rows)}\n\nLeaderboard: ${files.csv}, ${files.json}\n`,
    );
    if (failures.length > 0) {
      throw new CliError(
        'STUDY_FAILED',
        `${failures.length} job(s) of study '${study.name}' (${studyId}) failed, so their trials are marked failed: ${failures.map((line) => line.replace(/\.$/, '')).join('; ')}. Fix the cause and run the sweep again${(flags.queue ?? study.queue) ? " (each worker's log has the full error)" : ''}.`,
      );
    }
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

/** Where `sweep status` and `sweep dashboard` find a study: its YAML file (for name, output and db) or its name. */
async function locateStudy(
  target: string,
  flags: { db?: string; output?: string },
): Promise<{ name: string; folder: string; dbUrl: string }> {
  const study = existsSync(target) ? await loadStudyFile(target) : undefined;
  const name = study?.name ?? target;
  const folder = path.resolve(flags.output ?? study?.output ?? '.holomind/sweeps', name);
  return { name, folder, dbUrl: absoluteDatabaseUrl(flags.db ?? study?.db ?? `sqlite:${path.join(folder, 'holomind.db')}`) };
}

/** The latest study of that name with its trials, leaderboard and study page. */
async function readStudy(db: Kysely<Database>, name: string, dbUrl: string) {
  const studies = new StudyRepository(db);
  const [latest] = await studies.listStudies(name);
  if (!latest) {
    throw new CliError(
      'STUDY_NOT_FOUND',
      `No study named '${name}' in ${dbUrl.startsWith('sqlite:') ? dbUrl : 'the given database'}. Run \`holomind sweep <study.yaml>\` first, or pass the same --db (and --output) the sweep used.`,
    );
  }
  const trials = await studies.listTrials(latest.id);
  const rows = leaderboard(trials, latest.objective as StudySpec['objective']);
  return {
    latest,
    trials,
    rows,
    page: (refreshSeconds = 0) => studyPageHtml(studyPageData(latest, trials, rows), { refreshSeconds }),
  };
}

function statusLine(latest: Study, trials: readonly { status: string }[]): string {
  const counts = ['completed', 'pruned', 'running', 'failed'].map(
    (status) => `${trials.filter((t) => t.status === status).length} ${status}`,
  );
  return `Study '${latest.name}' (${latest.id}), ${latest.status}, ${latest.sampler} sampler, objective ${latest.objective}: ${counts.join(', ')}`;
}

/** `holomind sweep status <study.yaml | name>`: the latest study of that name as a leaderboard, also written as CSV, JSON and the HTML study page. */
export async function sweepStatusCommand(target: string, flags: SweepStatusFlags): Promise<void> {
  const { name, folder, dbUrl } = await locateStudy(target, flags);
  const db = await openStudyDatabase(dbUrl);
  try {
    const { latest, rows, trials, page } = await readStudy(db, name, dbUrl);
    process.stdout.write(`${statusLine(latest, trials)}\n${formatLeaderboard(rows)}\n`);
    const files = writeLeaderboard(rows, folder, {
      study: latest.name,
      studyId: latest.id,
      objective: latest.objective,
      status: latest.status,
    });
    const html = path.join(folder, 'study.html');
    writeFileSync(html, page());
    if (flags.csv) writeFileSync(flags.csv, readFileSync(files.csv));
    if (flags.json) writeFileSync(flags.json, readFileSync(files.json));
    process.stdout.write(`\nLeaderboard: ${flags.csv ?? files.csv}, ${flags.json ?? files.json}; study page: ${html}\n`);
  } finally {
    await db.destroy();
  }
}

/** `holomind sweep dashboard <study>`: serves the study page on 127.0.0.1, read afresh from the database on every load (it reloads itself every 5 s). */
export async function sweepDashboardCommand(
  target: string,
  flags: { db?: string; output?: string; port?: number },
): Promise<void> {
  const { name, dbUrl } = await locateStudy(target, flags);
  const db = await openStudyDatabase(dbUrl);
  await readStudy(db, name, dbUrl);
  const server = createServer((request, response) => {
    readStudy(db, name, dbUrl).then(
      ({ page }) => {
        response.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8', 'Cache-Control': 'no-store' });
        response.end(page(5));
      },
      (error: Error) => {
        response.writeHead(500, { 'Content-Type': 'text/plain; charset=utf-8' });
        response.end(error.message);
      },
    );
  });
  await new Promise<void>((resolve) => server.listen(flags.port ?? 6008, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  process.stdout.write(`Study '${name}': http://127.0.0.1:${port}/\n(Ctrl-C to stop)\n`);
  await new Promise<void>((resolve) => process.once('SIGINT', resolve));
  await new Promise((resolve) => server.close(resolve));
  await db.destroy();
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
