import { spawn } from 'node:child_process';
import {
  closeSync,
  existsSync,
  mkdtempSync,
  openSync,
  readdirSync,
  readFileSync,
  renameSync,
  writeFileSync,
  writeSync,
} from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { cliPath, runCli } from './test-support/run-cli.js';
import { createDatabase, ExperimentRepository } from '@holomind/db';
import { StateStore } from '@holomind/state';
import { runStates } from './pipeline/checkpoint.js';

// Issue #15 findings 3, 4, 6, 7 and 10 and stale `running` experiments, through the real CLI on a
// tiny model (100 digits per task), sharing one workspace in order.

const cli = cliPath;
const workspace = mkdtempSync(path.join(os.tmpdir(), 'holomind-runs-'));
writeFileSync(path.join(workspace, 'tiny.yaml'), 'network:\n  extractorHidden: [16]\n  columnHidden: [8]\n');
const run = [
  ...['-c', 'tiny.yaml', '--benchmark', 'split-mnist', '--mnist', 'small', '--strategy', 'ewc', '--tasks', '2', '--epochs', '1'],
  ...['--train-per-task', '100', '--test-per-task', '50', '--seed', '4', '--backend', 'wasm'],
];
const env = { ...process.env, HOLOMIND_QUIET: '1' };
const folder = (name: string) => ['--output', name, '--db', `sqlite:${name}/holomind.db`];

function holomind(args: string[]) {
  return runCli(args, workspace, env);
}

async function inDatabase<T>(
  name: string,
  work: (experiments: ExperimentRepository, store: StateStore) => Promise<T>,
): Promise<T> {
  const db = await createDatabase(`sqlite:${path.join(workspace, name, 'holomind.db')}`);
  try {
    return await work(new ExperimentRepository(db), new StateStore({ directory: path.join(workspace, name, 'states'), db }));
  } finally {
    await db.destroy();
  }
}

describe('holomind runs: isolation, resume, damaged checkpoints (issue #15)', () => {
  it('finding 3: refuses databases that cannot outlive the command, before training', async () => {
    for (const url of ['sqlite::memory:', 'sqlite:', 'sqlite:file::memory:?cache=shared', 'sqlite:runs.db?mode=memory']) {
      const result = await holomind(['train', ...run, '--output', 'memory-run', '--db', url]);
      expect(result.status, url).toBe(1);
      expect(result.stderr).toMatch(/lives in memory .*Nothing was trained/s);
    }
    expect(existsSync(path.join(workspace, 'memory-run', 'states'))).toBe(false);
  });

  it(
    'findings 6, 7, 10 and stale runs: two runs on one folder stay apart; resume --run --tasks reopens a completed run, writes into -o',
    { timeout: 600_000 },
    async () => {
      // A run killed mid-way (its own output folder, the same database) stays `running` ...
      const doomedArgs = ['train', ...run, '--output', 'doomed', '--db', 'sqlite:shared/holomind.db'];
      const doomed = spawn(process.execPath, [cli, ...doomedArgs], { cwd: workspace, env });
      await new Promise<void>((resolve) =>
        doomed.stdout.on('data', (chunk: Buffer) => {
          if (chunk.toString().includes('epoch 1:')) resolve();
        }),
      );
      doomed.kill('SIGKILL');
      await new Promise((resolve) => doomed.on('exit', resolve));

      // ... until the next start marks it crashed. Two runs on one folder and database at once both work.
      const [first, second] = await Promise.all([
        holomind(['train', ...run, ...folder('shared')]),
        holomind(['train', ...run, '--seed', '5', ...folder('shared')]),
      ]);
      expect(first.status, first.stderr).toBe(0);
      expect(second.status, second.stderr).toBe(0);
      const { ids, versionCounts, statuses } = await inDatabase('shared', async (experiments, store) => {
        const all = await experiments.list();
        const states = await runStates(store);
        return {
          ids: all.filter((experiment) => experiment.status === 'completed').map((experiment) => experiment.id),
          statuses: all.map((experiment) => experiment.status).sort(),
          versionCounts: Object.fromEntries(
            await Promise.all(states.map(async ({ stateId }) => [stateId, (await store.history(stateId)).length])),
          ),
        };
      });
      expect(statuses).toEqual(['completed', 'completed', 'crashed']);
      expect(Object.keys(versionCounts).sort()).toEqual(ids.map((id) => `run-${id}`).sort());
      for (const count of Object.values(versionCounts)) expect(count).toBe(2); // after task 1, after task 2: nothing interleaved

      // The folder moves; resume --run continues the first run (completed) with a third task, into -o.
      renameSync(path.join(workspace, 'shared'), path.join(workspace, 'moved'));
      const target = ids[0]!;
      const resumed = await holomind(['resume', '--run', target, '--tasks', '3', '--backend', 'wasm', ...folder('moved')]);
      expect(resumed.status, resumed.stderr).toBe(0);
      expect(resumed.stdout).toContain(`Resuming experiment ${target}`);
      expect(resumed.stdout).toMatch(/task 3 +[\d.]+ +[\d.]+ +[\d.]+/); // the summary's third matrix row
      expect(existsSync(path.join(workspace, 'shared'))).toBe(false); // nothing written to the saved output path
      expect(readdirSync(path.join(workspace, 'moved', 'tensorboard', target)).length).toBeGreaterThan(0);
      expect(readFileSync(path.join(workspace, 'moved', 'report', 'report.html'), 'utf8')).toContain(target);
      await inDatabase('moved', async (experiments, store) => {
        expect((await experiments.get(target)).status).toBe('completed');
        expect((await store.history(`run-${target}`)).length).toBe(3);
        expect((await store.history(`run-${ids[1]}`)).length).toBe(2);
      });
    },
  );

  it('finding 4: a flipped byte stops evaluate, states show and resume, naming version and file; --fallback uses the intact one', async () => {
    const { stateId, file, version, previous } = await inDatabase('moved', async (_experiments, store) => {
      const latest = (await runStates(store))[0]!.stateId;
      const history = await store.history(latest);
      const loaded = await store.load(latest);
      const kernel = Object.values(loaded.tensors).sort((a, b) => b.data.byteLength - a.data.byteLength)[0]!;
      const file = path.join(workspace, 'moved', 'states', history.at(-1)!.file);
      const content = readFileSync(file);
      const offset = content.indexOf(Buffer.from(kernel.data.buffer, kernel.data.byteOffset, 64));
      const descriptor = openSync(file, 'r+');
      writeSync(descriptor, Buffer.of(content[offset + 2]! ^ 0x04), 0, 1, offset + 2);
      closeSync(descriptor);
      return { stateId: latest, file: history.at(-1)!.file, version: history.at(-1)!.version, previous: history.at(-2)!.version };
    });
    const experiment = stateId.slice('run-'.length);
    for (const args of [['evaluate'], ['states', 'show'], ['resume', '--backend', 'wasm']]) {
      const result = await holomind([...args, '--run', experiment, ...folder('moved')]);
      expect(result.status, args.join(' ')).toBe(1);
      expect(result.stderr).toContain(`version ${version} of ${stateId} is damaged (file ${file}`);
      expect(result.stderr).toMatch(/Nothing was loaded. Run again with --fallback/);
    }
    const fallback = await holomind(['evaluate', '--run', experiment, '--fallback', '--backend', 'wasm', ...folder('moved')]);
    expect(fallback.status, fallback.stderr).toBe(0);
    expect(fallback.stderr).toContain('falling back to an earlier version');
    expect(fallback.stdout).toContain(`(checkpoint version ${previous})`);
    const verify = await holomind(['states', 'verify', ...folder('moved')]);
    expect(verify.stdout).toContain(`DAMAGED ${stateId} v${version}: ${file}`);
    expect(verify.stdout).toMatch(/checked 5 version\(s\), .*1 damaged/);
  });
});
