// Child process of the crash-safety tests: saves crashTestState(run, i) for i = 0, 1, 2, ...
// Usage: node save-loop.mjs <directory> <database-url> <state-id> <run> <iterations|forever> [crash-phase]
// (bundled by crash-harness.ts). Prints "ready"; with SAVE_LOOP_WAIT=1 it then waits for a line on
// stdin, so several children can start saving at the same moment. Then it prints "phase <name> <i>" and "committed <version> <i>" lines. With a crash
// phase it SIGKILLs itself when the third save reaches that phase.
import { createDatabase } from '@holomind/db';
import { loadHdf5 } from '../hdf5-file.js';
import { StateStore } from '../state-store.js';
import type { SavePhase } from '../types.js';
import { crashTestState } from './fixtures.js';

const [directory, url, stateId, runText, iterationsText, crashPhase] = process.argv.slice(2);
const run = Number(runText);
const iterations = iterationsText === 'forever' ? Number.POSITIVE_INFINITY : Number(iterationsText);
let iteration = 0;

const db = await createDatabase(url!);
const store = new StateStore({
  directory: directory!,
  db,
  cacheBytes: 0,
  onSavePhase(phase: SavePhase) {
    process.stdout.write(`phase ${phase} ${iteration}\n`);
    if (phase === crashPhase && iteration === 2) process.kill(process.pid, 'SIGKILL');
  },
});
// Start-up work (migration check, wasm instantiation) before 'ready', so kills land in saves.
await store.list();
await loadHdf5();
process.stdout.write('ready\n');
if (process.env.SAVE_LOOP_WAIT === '1') await new Promise((resolve) => process.stdin.once('data', resolve));
try {
  for (; iteration < iterations; iteration++) {
    const saved = await store.save(stateId!, crashTestState(run, iteration), {
      metrics: { iteration },
      description: `run ${run} iteration ${iteration}`,
    });
    process.stdout.write(`committed ${saved.version} ${iteration}\n`);
  }
} catch (error) {
  process.stdout.write(`error ${(error as { code?: string }).code ?? 'UNKNOWN'} ${(error as Error).message}\n`);
  process.exitCode = 3;
} finally {
  await db.destroy();
}
