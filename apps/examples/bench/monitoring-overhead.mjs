// `pnpm --filter @holomind/examples bench`: what the per-step monitoring costs the reference pipeline.
// The same short run (Split MNIST, holomind strategy, wasm) with monitoring at its default settings
// (per-step metrics every 10 optimizer steps, every seen task evaluated at each epoch's end on 200
// held-out examples, histograms every 100 steps, the memory's performance monitor, TensorBoard)
// against the control (monitoring.perStep off, no TensorBoard: the epoch-level metrics only), in
// adjacent pairs whose order alternates, beside an A/A control (control against control) that
// shows the noise floor of the same machine in the same run. Training wall time = the sum over
// tasks of start-of-task to end-of-task (training, the strategy's work, evaluation, checkpoint).
// Prints medians and ratios; never fails on time. BENCH_QUICK=1: one pair each, a smaller run.
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createDatabase } from '@holomind/db';
import { SqlMetricSink } from '@holomind/monitoring';
import { parseConfig } from '../dist/config/load-config.js';
import { runTraining } from '../dist/pipeline/run-training.js';

const quick = process.env.BENCH_QUICK === '1';
const pairs = Number(process.env.BENCH_PAIRS ?? (quick ? 1 : 3));
const folder = mkdtempSync(path.join(os.tmpdir(), 'holomind-monitoring-overhead-'));
process.env.HOLOMIND_QUIET = '1';
let runs = 0;

/** Training wall time of one run, in seconds. */
async function trainingSeconds(monitored) {
  const output = path.join(folder, `run-${runs++}`);
  const config = parseConfig({
    benchmark: 'split-mnist',
    strategy: 'holomind',
    backend: 'wasm',
    seed: 1,
    output,
    db: `sqlite:${output}/holomind.db`,
    training: { tasks: quick ? 2 : 3, epochs: 2, trainPerTask: quick ? 400 : 1000, testPerTask: 500 },
    monitoring: monitored ? {} : { perStep: false, tensorboard: false },
  });
  let started = 0;
  let total = 0;
  const reporter = {
    info() {},
    startTask() {
      started = performance.now();
    },
    step() {},
    endEpoch() {},
    endTask() {
      total += performance.now() - started;
    },
    checkpoint() {},
  };
  const cpuBefore = process.cpuUsage();
  const summary = await runTraining({ config, reporter });
  const cpu = process.cpuUsage(cpuBefore);
  cpuSeconds.push([monitored, (cpu.user + cpu.system) / 1e6]);
  if (monitored) {
    // The monitoring's own time inside training, measured in the same run: robust to the machine's load.
    const db = await createDatabase(config.db);
    const reader = new SqlMetricSink(db);
    const [hooks] = await reader.readPoints({ runId: summary.experimentId, metric: 'monitoring/hook_seconds' });
    await reader.close();
    await db.destroy();
    hookShares.push(hooks.value / (total / 1000));
  }
  return total / 1000;
}
const cpuSeconds = [];
const hookShares = [];

const median = (values) => {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = sorted.length >> 1;
  return sorted.length % 2 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
};

await trainingSeconds(false); // warm-up: wasm compile, data set cache
const monitoredRatios = [];
const controlRatios = [];
const times = { monitored: [], control: [], controlA: [], controlB: [] };
for (let pair = 0; pair < pairs; pair++) {
  // Order alternates so drift in the machine's load does not favour one side.
  const first = pair % 2 === 0;
  const a = first ? await trainingSeconds(true) : undefined;
  const b = await trainingSeconds(false);
  const monitored = a ?? (await trainingSeconds(true));
  times.monitored.push(monitored);
  times.control.push(b);
  monitoredRatios.push(monitored / b);
  const c1 = await trainingSeconds(false);
  const c2 = await trainingSeconds(false);
  times.controlA.push(c1);
  times.controlB.push(c2);
  controlRatios.push(first ? c1 / c2 : c2 / c1);
  console.log(
    `pair ${pair + 1}: monitored ${monitored.toFixed(2)} s vs control ${b.toFixed(2)} s (${((monitored / b - 1) * 100).toFixed(1)}%); A/A ${c1.toFixed(2)} s vs ${c2.toFixed(2)} s`,
  );
}
const percent = (ratio) => `${((ratio - 1) * 100).toFixed(1)}%`;
console.log('\nmonitoring overhead on training wall time (median of per-pair ratios):');
console.log(`  default monitoring / control: ${median(monitoredRatios).toFixed(4)}  (${percent(median(monitoredRatios))})`);
console.log(
  `  A/A control / control:        ${median(controlRatios).toFixed(4)}  (${percent(median(controlRatios))})  ← noise floor`,
);
console.log(
  `  medians: monitored ${median(times.monitored).toFixed(2)} s, control ${median(times.control).toFixed(2)} s, ${pairs} pair(s)`,
);
const cpuOf = (monitored) => median(cpuSeconds.filter(([kind]) => kind === monitored).map(([, seconds]) => seconds));
console.log(
  `  process CPU time per whole run (median): monitored ${cpuOf(true).toFixed(2)} s, control ${cpuOf(false).toFixed(2)} s (${percent(cpuOf(true) / cpuOf(false))})`,
);
console.log(
  `  time inside the monitoring hooks / training wall time, same run (median): ${(median(hookShares) * 100).toFixed(2)}%`,
);
rmSync(folder, { recursive: true, force: true });
