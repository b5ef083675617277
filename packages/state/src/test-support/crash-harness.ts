import { expect } from 'vitest';
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { build } from 'esbuild';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { StateStore } from '../state-store.js';
import type { TestStoreHome } from './databases.js';
import { crashTestState } from './fixtures.js';
import { sameBits } from './store-behaviour.js';

const packageDir = fileURLToPath(new URL('../..', import.meta.url));
const saveLoopSource = fileURLToPath(new URL('./save-loop.ts', import.meta.url));
let saveLoopBundle: Promise<string> | undefined;

/**
 * Compiles save-loop.ts and this package's sources into one ES module for plain `node`.
 * (Under tsx, importing h5wasm's 4 MB module takes ~5 s instead of ~0.4 s.) Packages stay
 * external and resolve from this package's node_modules, like in a user's project.
 */
export function bundleSaveLoop(): Promise<string> {
  saveLoopBundle ??= (async () => {
    const outfile = path.join(packageDir, '.cache', 'save-loop.mjs');
    await build({
      entryPoints: [saveLoopSource],
      outfile,
      bundle: true,
      platform: 'node',
      format: 'esm',
      target: 'node20',
      packages: 'external',
      logLevel: 'error',
    });
    return outfile;
  })();
  return saveLoopBundle;
}

/** A running save-loop child and what it printed so far. */
export interface SaveLoopChild {
  process: ChildProcess;
  lines: string[];
  ready: Promise<void>;
  /** Lets a child started with `waitForGo` begin saving. */
  go(): void;
  /** Resolves when the child prints a line starting with `prefix` (or rejects when it exits first). */
  waitForLine(prefix: string): Promise<void>;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/** Starts the bundled `save-loop.ts` in its own Node process. */
export async function startSaveLoop(
  home: TestStoreHome,
  stateId: string,
  run: number,
  iterations: number | 'forever',
  options: { crashPhase?: string; waitForGo?: boolean } = {},
): Promise<SaveLoopChild> {
  const { crashPhase, waitForGo = false } = options;
  const args = [
    await bundleSaveLoop(),
    home.directory,
    home.url,
    stateId,
    String(run),
    String(iterations),
    ...(crashPhase ? [crashPhase] : []),
  ];
  const child = spawn(process.execPath, args, {
    cwd: packageDir,
    stdio: [waitForGo ? 'pipe' : 'ignore', 'pipe', 'pipe'],
    env: { ...process.env, SAVE_LOOP_WAIT: waitForGo ? '1' : '0' },
  });
  const lines: string[] = [];
  let stderr = '';
  const waiters: Array<{ prefix: string; resolve: () => void; reject: (error: Error) => void }> = [];
  let exitedWith: string | undefined;
  const waitForLine = (prefix: string) =>
    new Promise<void>((resolve, reject) => {
      if (lines.some((line) => line.startsWith(prefix))) resolve();
      else if (exitedWith) reject(new Error(`save-loop exited (${exitedWith}) before printing '${prefix}':\n${stderr}`));
      else waiters.push({ prefix, resolve, reject });
    });
  let buffered = '';
  child.stdout!.setEncoding('utf8').on('data', (chunk: string) => {
    buffered += chunk;
    const complete = buffered.split('\n');
    buffered = complete.pop()!;
    for (const line of complete) {
      lines.push(line);
      for (const waiter of waiters.filter((candidate) => line.startsWith(candidate.prefix))) {
        waiters.splice(waiters.indexOf(waiter), 1);
        waiter.resolve();
      }
    }
  });
  child.stderr!.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
    child.on('exit', (code, signal) => {
      exitedWith = String(code ?? signal);
      for (const waiter of waiters.splice(0))
        waiter.reject(new Error(`save-loop exited (${exitedWith}) before printing '${waiter.prefix}':\n${stderr}`));
      if (code !== 0 && signal === null) lines.push(`stderr ${stderr}`);
      resolve({ code, signal });
    });
  });
  const ready = waitForLine('ready');
  // Awaited by callers; marked handled so a child killed before anyone waits is no unhandled rejection.
  ready.catch(() => undefined);
  return { process: child, lines, ready, waitForLine, exited, go: () => child.stdin?.end('go\n') };
}

/** `committed <version> <iteration>` lines of a child. */
export function committedLines(lines: string[]): Array<{ version: number; iteration: number }> {
  return lines
    .filter((line) => line.startsWith('committed '))
    .map((line) => {
      const [, version, iteration] = line.split(' ');
      return { version: Number(version), iteration: Number(iteration) };
    });
}

/** The last phase a child reported before it died. */
export function lastPhase(lines: string[]): string {
  const last = [...lines].reverse().find((line) => line.startsWith('phase ') || line.startsWith('committed '));
  if (!last) return 'before the first save';
  // After 'committed' the child makes the next state and hashes it before reporting 'prepared'.
  return last.startsWith('committed ') ? 'between saves' : `after ${last.split(' ')[1]}`;
}

/**
 * Checks a store after crashes, from a fresh StateStore: every version row loads with verified
 * hashes and equals the state its `seed` value regenerates, bit for bit; every file a row names
 * exists; no tensor row lacks its blob. Returns the (run, iteration) of each version.
 */
export async function verifyStore(home: TestStoreHome, stateId: string): Promise<Map<number, [number, number]>> {
  const store = new StateStore({ directory: home.directory, db: home.db, cacheBytes: 0 });
  const seeds = new Map<number, [number, number]>();
  const history = await store.history(stateId).catch(() => []);
  for (const info of history) {
    const loaded = await store.load(stateId, { version: info.version, verify: true });
    const [run, iteration] = loaded.values.seed as [number, number];
    seeds.set(info.version, [run, iteration]);
    const expected = crashTestState(run, iteration);
    const expectedNames = Object.keys(expected)
      .filter((name) => name !== 'seed')
      .sort();
    expect(Object.keys(loaded.tensors).sort()).toEqual(expectedNames);
    for (const name of expectedNames) {
      const entry = expected[name] as { data: Float32Array; shape: number[] };
      expect(sameBits(loaded.tensors[name]!.data, entry.data), `version ${info.version} tensor ${name}`).toBe(true);
      expect(loaded.tensors[name]!.shape).toEqual(entry.shape);
    }
  }
  const versionFiles = await home.db.selectFrom('holomind_state_versions').select('file').execute();
  const blobFiles = await home.db.selectFrom('holomind_state_blobs').select('file').execute();
  const missing = [...versionFiles, ...blobFiles]
    .map((row) => row.file)
    .filter((file) => !existsSync(path.join(home.directory, file)));
  expect(missing, 'metadata rows pointing at missing files').toEqual([]);
  const orphanTensors = await home.db
    .selectFrom('holomind_state_version_tensors as t')
    .leftJoin('holomind_state_blobs as b', (join) =>
      join.onRef('b.store_name', '=', 't.store_name').onRef('b.hash', '=', 't.hash'),
    )
    .select('t.hash')
    .where('b.hash', 'is', null)
    .execute();
  expect(orphanTensors, 'tensor rows without a blob').toEqual([]);
  const versionsWithoutTensors = await home.db
    .selectFrom('holomind_state_versions as v')
    .leftJoin('holomind_state_version_tensors as t', (join) =>
      join.onRef('t.state_id', '=', 'v.state_id').onRef('t.version', '=', 'v.version'),
    )
    .select('v.version')
    .where('t.hash', 'is', null)
    .execute();
  expect(versionsWithoutTensors, 'version rows without their tensor rows').toEqual([]);
  return seeds;
}

/** Files in a state folder: published `.h5` files and temporaries. */
export function stateFiles(home: TestStoreHome, stateId: string): { published: string[]; temporary: string[] } {
  const folder = path.join(home.directory, stateId);
  const names = existsSync(folder) ? readdirSync(folder) : [];
  return {
    published: names.filter((name) => name.endsWith('.h5') && !name.startsWith('.tmp-')).map((name) => `${stateId}/${name}`),
    temporary: names.filter((name) => name.startsWith('.tmp-')).map((name) => `${stateId}/${name}`),
  };
}
