import { afterAll, afterEach, describe, expect, it } from 'vitest';
import BetterSqlite3 from 'better-sqlite3';
import { startPostgresServer, type PostgresServer } from '@holomind/testing';
import { StateStore } from './state-store.js';
import { committedLines, lastPhase, startSaveLoop, stateFiles, verifyStore } from './test-support/crash-harness.js';
import { postgresHome, sqliteHome, type TestStoreHome } from './test-support/databases.js';
import { crashTestState } from './test-support/fixtures.js';
import { expectStateError } from './test-support/store-behaviour.js';

const homes: TestStoreHome[] = [];
async function home(open: () => Promise<TestStoreHome>): Promise<TestStoreHome> {
  const opened = await open();
  homes.push(opened);
  return opened;
}
afterEach(async () => {
  await Promise.all(homes.splice(0).map((opened) => opened.close()));
});

let server: Promise<PostgresServer> | undefined;
const postgres = () => {
  server ??= startPostgresServer();
  return server.then((started) => postgresHome(started.url));
};
afterAll(async () => (await server)?.stop());

// Deterministic delays (printed) so a failure can be replayed.
function delays(count: number, seed: number, maxMs: number): number[] {
  let state = seed;
  return Array.from({ length: count }, () => {
    state = (Math.imul(state, 1103515245) + 12345) >>> 0;
    return Math.floor((state / 2 ** 32) * maxMs);
  });
}

async function killAtRandomMoments(opened: TestStoreHome, kills: number, seed: number): Promise<void> {
  const phases = new Map<string, number>();
  const reported: Array<{ run: number; version: number; iteration: number }> = [];
  for (const [run, delay] of delays(kills, seed, 150).entries()) {
    const child = await startSaveLoop(opened, 'model', run, 'forever');
    // From the first commit on, a save takes ~30-100 ms here: the delay lands anywhere in one.
    await child.waitForLine('committed ');
    await new Promise((resolve) => setTimeout(resolve, delay));
    child.process.kill('SIGKILL');
    const { signal } = await child.exited;
    expect(signal, `child ${run} must die by SIGKILL, not on its own: ${child.lines.slice(-3).join(' | ')}`).toBe('SIGKILL');
    const phase = lastPhase(child.lines);
    phases.set(phase, (phases.get(phase) ?? 0) + 1);
    for (const line of committedLines(child.lines)) reported.push({ run, ...line });
  }
  console.log(`SIGKILLed ${kills} savers; last phase seen before each kill: ${JSON.stringify(Object.fromEntries(phases))}`);

  const seeds = await verifyStore(opened, 'model');
  console.log(
    `${seeds.size} committed versions verified bit-exactly (${reported.length} confirmed to their saver before the kill)`,
  );
  expect(seeds.size).toBeGreaterThanOrEqual(kills);
  // Versions are numbered without gaps, and every save a child saw commit is there with its content.
  expect([...seeds.keys()]).toEqual(Array.from({ length: seeds.size }, (_, index) => index + 1));
  for (const { run, version, iteration } of reported) expect(seeds.get(version)).toEqual([run, iteration]);

  // Leftovers of killed saves are files only, never rows; prune sweeps them and changes nothing else.
  const before = stateFiles(opened, 'model');
  const store = new StateStore({ directory: opened.directory, db: opened.db });
  const sweep = await store.prune({ orphanGraceMs: 0 });
  expect(sweep.removedVersions).toEqual([]);
  const after = stateFiles(opened, 'model');
  expect(after.temporary).toEqual([]);
  expect(after.published.length).toBe(
    before.published.length - sweep.removedFiles.filter((file) => file.endsWith('.h5') && !file.includes('.tmp-')).length,
  );
  expect((await verifyStore(opened, 'model')).size).toBe(seeds.size);
}

/** Two processes save `iterations` versions each to one state, starting at the same moment. */
async function saveConcurrently(opened: TestStoreHome, iterations: number): Promise<void> {
  const children = await Promise.all([1, 2].map((run) => startSaveLoop(opened, 'shared', run, iterations, { waitForGo: true })));
  await Promise.all(children.map((child) => child.ready));
  for (const child of children) child.go();
  const exits = await Promise.all(children.map((child) => child.exited));
  // Both commit: with SQLite the second writer waits for the lock (busy timeout), with PostgreSQL for the lock row.
  for (const [index, exit] of exits.entries())
    expect(exit.code, children[index]!.lines.filter((line) => !line.startsWith('phase')).join('\n')).toBe(0);
  const seeds = await verifyStore(opened, 'shared');
  expect([...seeds.values()].map(([run, iteration]) => `${run}/${iteration}`).sort()).toEqual(
    [1, 2].flatMap((run) => Array.from({ length: iterations }, (_, iteration) => `${run}/${iteration}`)).sort(),
  );
  // The saves really overlapped: versions alternate between the two writers.
  const runs = [...seeds.keys()].sort((a, b) => a - b).map((version) => seeds.get(version)![0]);
  const switches = runs.filter((run, index) => index > 0 && run !== runs[index - 1]).length;
  console.log(`two writers, ${runs.length} versions in commit order by writer: ${runs.join('')}`);
  expect(switches).toBeGreaterThanOrEqual(2);
}

describe('crash safety', () => {
  it('keeps every committed version loadable bit-exactly through 25 SIGKILLs at random moments (SQLite)', async () => {
    await killAtRandomMoments(await home(() => sqliteHome()), 25, 20250131);
  });

  it.each(['prepared', 'file-written', 'file-published', 'committed'])(
    'a crash at %s leaves earlier versions intact and no half-committed one',
    async (phase) => {
      const opened = await home(() => sqliteHome());
      const child = await startSaveLoop(opened, 'model', 0, 5, { crashPhase: phase });
      await child.ready;
      const { signal } = await child.exited;
      expect(signal).toBe('SIGKILL');
      const seeds = await verifyStore(opened, 'model');
      // The crash hit the third save (iteration 2): it is committed only if the kill came after the commit.
      expect([...seeds.values()]).toEqual(
        phase === 'committed'
          ? [
              [0, 0],
              [0, 1],
              [0, 2],
            ]
          : [
              [0, 0],
              [0, 1],
            ],
      );
      const files = stateFiles(opened, 'model');
      expect(files.temporary.length).toBe(phase === 'file-written' ? 1 : 0);
      expect(files.published.length).toBe(phase === 'file-published' || phase === 'committed' ? 3 : 2);
    },
  );

  it('lets two processes save to one store at once: both commit every version (SQLite)', async () => {
    const opened = await home(() => sqliteHome());
    await saveConcurrently(opened, 12);
  });

  it('lets two processes save to one store at once: both commit every version (PostgreSQL)', async () => {
    const opened = await home(postgres);
    await saveConcurrently(opened, 8);
  });

  it('keeps committed versions through SIGKILLs on PostgreSQL too', async () => {
    await killAtRandomMoments(await home(postgres), 6, 7);
  });

  it('answers a writer blocked past the busy timeout with STORE_BUSY and leaves nothing behind', async () => {
    const opened = await home(() => sqliteHome({ busyTimeoutMs: 300 }));
    const store = new StateStore({ directory: opened.directory, db: opened.db });
    await store.save('model', crashTestState(0, 0));
    // Another connection (as another process would) holds SQLite's write lock.
    const other = new BetterSqlite3(opened.url.slice('sqlite:'.length));
    other.exec('BEGIN IMMEDIATE');
    try {
      const error = await expectStateError(store.save('model', crashTestState(0, 1)), 'STORE_BUSY');
      expect(error.message).toContain('busyTimeoutMs');
    } finally {
      other.exec('ROLLBACK');
      other.close();
    }
    expect(stateFiles(opened, 'model')).toEqual({ published: [expect.any(String)], temporary: [] });
    expect((await store.save('model', crashTestState(0, 1))).version).toBe(2);
    expect([...(await verifyStore(opened, 'model')).values()]).toEqual([
      [0, 0],
      [0, 1],
    ]);
  });
});
