// `pnpm --filter @holomind/examples bench`: what the per-step monitoring costs a realistic run.
// The README's main job (main-job.yaml: class-incremental Split MNIST on the full MNIST, the holomind
// strategy = DER++ replay from a 500-digit class-balanced memory, 784-400-400, batch 128, one epoch
// per task, wasm) cut to its first BENCH_TASKS tasks (default 3), with monitoring at its default
// settings against the control (monitoring.perStep off, no TensorBoard: the epoch-level metrics
// only), in adjacent pairs whose order alternates, beside an A/A control (control against control,
// also adjacent and alternating) that shows the noise floor of the same machine in the same run.
// Training wall time = the sum over tasks of start-of-task to end-of-task (training, the strategy's
// work, evaluation, checkpoint), plus opening and closing the run's monitoring (TensorBoard's
// HParams and config, the final flush). Prints the median of the per-pair ratios, the process CPU
// time ratio, and where the monitored runs' hook time goes (stored by the run itself as
// `monitoring/hook_seconds/<part>`). Never fails on time.
// BENCH_QUICK=1: two tasks of 2,000 digits, one pair. BENCH_PAIRS, BENCH_TASKS override.
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { createDatabase } from '@holomind/db';
import { SqlMetricSink } from '@holomind/monitoring';
import { loadConfigFile } from '../dist/config/load-config.js';
import { runTraining } from '../dist/pipeline/run-training.js';

const quick = process.env.BENCH_QUICK === '1';
const pairs = Number(process.env.BENCH_PAIRS ?? (quick ? 1 : 4));
const tasks = Number(process.env.BENCH_TASKS ?? (quick ? 2 : 3));
const mainJob = fileURLToPath(new URL('../main-job.yaml', import.meta.url));
const folder = mkdtempSync(path.join(os.tmpdir(), 'holomind-monitoring-overhead-'));
process.env.HOLOMIND_QUIET = '1';
let runs = 0;
const hookShares = [];
const breakdowns = [];

/** One run: its training wall time and the process CPU time of the whole run, in seconds. */
async function measure(monitored) {
  const output = path.join(folder, `run-${runs++}`);
  const config = await loadConfigFile(mainJob, {
    backend: 'wasm',
    seed: 1,
    output,
    db: `sqlite:${output}/holomind.db`,
    training: { tasks, ...(quick ? { trainPerTask: 2000, testPerTask: 500 } : {}) },
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
  const db = await createDatabase(config.db);
  const reader = new SqlMetricSink(db);
  // Opening (attach: TensorBoard text and HParams) and closing (final flush) the monitoring happen
  // outside the tasks; the run stores their time, counted here so the fixed costs are not hidden.
  const parts = {};
  for (const point of await reader.readPoints({ runId: summary.experimentId }))
    if (point.metric.startsWith('monitoring/hook_seconds/'))
      parts[point.metric.slice('monitoring/hook_seconds/'.length)] = point.value;
  await reader.close();
  await db.destroy();
  const outside = (parts.attach ?? 0) + (parts.close ?? 0);
  const seconds = total / 1000 + outside;
  if (monitored) {
    breakdowns.push(Object.fromEntries(Object.entries(parts).map(([name, value]) => [name, value / seconds])));
    hookShares.push(Object.values(parts).reduce((sum, value) => sum + value, 0) / seconds);
  }
  return { wall: seconds, cpu: (cpu.user + cpu.system) / 1e6 };
}

const median = (values) => {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = sorted.length >> 1;
  return sorted.length % 2 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
};
const percent = (ratio) => `${((ratio - 1) * 100).toFixed(1)}%`;

console.log(
  `monitoring overhead: main-job.yaml cut to ${tasks} task(s)${quick ? ' of 2,000 digits (BENCH_QUICK)' : ''}, wasm, ${pairs} pair(s) + A/A`,
);
// Warm-up, both kinds: wasm compile, the data set cache, the JIT of the monitoring's own code.
await measure(true);
await measure(false);
const ratios = { wall: [], cpu: [], wallAA: [], cpuAA: [] };
const times = { monitored: [], control: [] };
for (let pair = 0; pair < pairs; pair++) {
  // Order alternates so drift in the machine's load does not favour one side.
  const first = pair % 2 === 0;
  const a = first ? await measure(true) : undefined;
  const b = await measure(false);
  const monitored = a ?? (await measure(true));
  const c1 = await measure(false);
  const c2 = await measure(false);
  const [x, y] = first ? [c1, c2] : [c2, c1];
  times.monitored.push(monitored.wall);
  times.control.push(b.wall);
  ratios.wall.push(monitored.wall / b.wall);
  ratios.cpu.push(monitored.cpu / b.cpu);
  ratios.wallAA.push(x.wall / y.wall);
  ratios.cpuAA.push(x.cpu / y.cpu);
  console.log(
    `pair ${pair + 1}: monitored ${monitored.wall.toFixed(2)} s vs control ${b.wall.toFixed(2)} s (${percent(monitored.wall / b.wall)}); A/A ${c1.wall.toFixed(2)} s vs ${c2.wall.toFixed(2)} s (${percent(x.wall / y.wall)})`,
  );
}
console.log('\nmonitoring overhead, median of per-pair ratios (default monitoring / control, beside control / control):');
console.log(
  `  training wall time: ${median(ratios.wall).toFixed(4)} (${percent(median(ratios.wall))})   A/A ${median(ratios.wallAA).toFixed(4)} (${percent(median(ratios.wallAA))}) ← noise floor`,
);
console.log(
  `  process CPU time:   ${median(ratios.cpu).toFixed(4)} (${percent(median(ratios.cpu))})   A/A ${median(ratios.cpuAA).toFixed(4)} (${percent(median(ratios.cpuAA))})`,
);
console.log(
  `  medians: monitored ${median(times.monitored).toFixed(2)} s, control ${median(times.control).toFixed(2)} s, ${pairs} pair(s)`,
);
console.log(
  `  time inside the monitoring (hooks, opening, closing) / training wall time, same run (median): ${(median(hookShares) * 100).toFixed(2)}%, by part:`,
);
const names = [...new Set(breakdowns.flatMap((parts) => Object.keys(parts)))].sort();
for (const name of names)
  console.log(`    ${name.padEnd(14)} ${(median(breakdowns.map((parts) => parts[name] ?? 0)) * 100).toFixed(3)}%`);
rmSync(folder, { recursive: true, force: true });
