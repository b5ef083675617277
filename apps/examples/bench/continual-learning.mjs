// `pnpm bench:cl`: the README's continual-learning tables from scratch. Three scenarios, three seeds,
// every strategy, on the full MNIST; two runs at a time (one per core: the wasm backend is single-threaded).
// Writes bench/results/cl-<scenario>-seed<k>.json per run group and bench/results/continual-learning.{json,md}.
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { PROTOCOL_FILE, RESULTS_DIR as results, SEEDS as seeds, runCompare } from './compare-process.mjs';

const parallel = Number(process.env.CL_PARALLEL ?? 2);

const scenarios = [
  {
    id: 'split-mnist-class-il',
    title: 'Split MNIST, class-incremental (5 tasks of 2 digits, one head over all digits seen)',
    args: ['--benchmark', 'split-mnist', '--scenario', 'class-incremental', '--tasks', '5'],
    strategies: ['finetune', 'ewc', 'online-ewc', 'lwf', 'er', 'derpp', 'icarl', 'holomind', 'joint'],
    targets: { holomind: 92.0, derpp: 90.0, er: 85.0 },
    minutes: 3.6, // one seed's compare, every strategy (2026-12-02, two runs at a time)
  },
  {
    id: 'split-mnist-task-il',
    title: 'Split MNIST, task-incremental (5 tasks of 2 digits, a head per task)',
    // Three epochs per task: at one epoch every strategy ends near 99.2% (each task under-trained).
    args: ['--benchmark', 'split-mnist', '--scenario', 'task-incremental', '--tasks', '5', '--epochs', '3'],
    strategies: ['finetune', 'ewc', 'online-ewc', 'pnn', 'lwf', 'er', 'derpp', 'holomind'],
    targets: { holomind: 99.5 },
    minutes: 13.5,
  },
  {
    id: 'permuted-mnist-domain-il',
    title: 'Permuted MNIST, domain-incremental (10 permutations of all 60,000 training and 10,000 test digits, one shared head)',
    args: ['--benchmark', 'permuted-mnist', '--tasks', '10'],
    strategies: ['finetune', 'ewc', 'online-ewc', 'lwf', 'er', 'derpp', 'holomind', 'joint'],
    targets: { holomind: 95.0 },
    minutes: 24.5,
  },
];
// The hybrid is compared with these parts (the issue's "beats its parts" rule).
const PARTS = ['ewc', 'online-ewc', 'pnn', 'er', 'derpp', 'lwf'];

const only = process.env.CL_SCENARIOS?.split(',');
// CL_STRATEGIES=holomind re-runs only those strategies and replaces their rows in the per-seed files,
// keeping the other strategies' runs (e.g. after changing one strategy's definition).
const rerun = process.env.CL_STRATEGIES?.split(',');
// Longest jobs first, so that the last one to start is short and no worker idles long at the end
// (in scenario order the third Permuted run ran alone for its last ~23 minutes).
const jobs = scenarios
  .filter((scenario) => !only || only.includes(scenario.id))
  .flatMap((scenario) => seeds.map((seed) => ({ scenario, seed })))
  .sort((a, b) => b.scenario.minutes - a.scenario.minutes);

mkdirSync(results, { recursive: true });
const started = Date.now();

async function runJob({ scenario, seed }) {
  const json = path.join(results, `cl-${scenario.id}-seed${seed}.json`);
  const strategies = rerun ? scenario.strategies.filter((strategy) => rerun.includes(strategy)) : scenario.strategies;
  const written = rerun ? `${json}.partial` : json;
  const output = path.join(results, 'runs', `${scenario.id}-seed${seed}${rerun ? `-${strategies.join('-')}` : ''}`);
  await runCompare({
    label: `${scenario.id} seed ${seed}`,
    config: PROTOCOL_FILE,
    args: scenario.args,
    strategies,
    seeds: [seed],
    output,
    json: written,
    onStdout: (chunk) => process.stdout.write(`[${scenario.id} seed ${seed}] ${chunk}`),
  });
  if (rerun) mergeRerun(json, written, strategies);
  return json;
}

// Replaces the re-run strategies' runs and rows in a per-seed file; the other strategies stay as measured.
function mergeRerun(json, partial, strategies) {
  const fresh = JSON.parse(readFileSync(partial, 'utf8'));
  const merged = existsSync(json) ? JSON.parse(readFileSync(json, 'utf8')) : { ...fresh, runs: [], strategies: [] };
  const kept = (entry) => !strategies.includes(entry.strategy);
  merged.runs = [...merged.runs.filter(kept), ...fresh.runs];
  merged.strategies = [...merged.strategies.filter(kept), ...fresh.strategies];
  writeFileSync(json, `${JSON.stringify(merged, null, 2)}\n`);
  rmSync(partial);
}

// CL_SUMMARIZE_ONLY=1 rebuilds the tables from the per-seed files already in bench/results.
const queue = process.env.CL_SUMMARIZE_ONLY ? [] : [...jobs];
await Promise.all(
  Array.from({ length: Math.min(parallel, queue.length) }, async () => {
    while (queue.length > 0) await runJob(queue.shift());
  }),
);

const meanStd = (values) => {
  const mean = values.reduce((sum, value) => sum + value, 0) / values.length;
  const std =
    values.length < 2 ? 0 : Math.sqrt(values.reduce((sum, value) => sum + (value - mean) ** 2, 0) / (values.length - 1));
  return { mean, std, n: values.length };
};
const format = ({ mean, std }) => `${mean.toFixed(2)} ± ${std.toFixed(2)}`;

const report = [];
const lines = [`# Continual-learning results (pnpm bench:cl), seeds ${seeds.join(', ')}`, ''];
// Every scenario with per-seed files, not only those this invocation ran (CL_SCENARIOS): the summary
// files are the README's tables, and a re-run of one scenario left only that one in them.
for (const scenario of scenarios) {
  const files = seeds.map((seed) => path.join(results, `cl-${scenario.id}-seed${seed}.json`)).filter((file) => existsSync(file));
  if (files.length === 0) continue;
  const documents = files.map((file) => JSON.parse(readFileSync(file, 'utf8')));
  const runs = documents.flatMap((document) => document.runs);
  const reference = documents[0].reference;
  const rows = scenario.strategies.flatMap((strategy) => {
    const mine = runs.filter((run) => run.strategy === strategy);
    if (mine.length === 0) return [];
    return [
      {
        strategy,
        seeds: mine.map((run) => run.seed),
        accuracy: meanStd(mine.map((run) => 100 * run.averageAccuracy)),
        forgetting: meanStd(mine.map((run) => 100 * (run.forgetting ?? 0))),
        seconds: meanStd(mine.map((run) => run.seconds)),
        published: reference?.accuracy?.[strategy] ?? null,
      },
    ];
  });
  const mean = (strategy) => rows.find((row) => row.strategy === strategy)?.accuracy.mean;
  const parts = PARTS.filter((part) => mean(part) !== undefined);
  const bestPart = parts.reduce((best, part) => (mean(part) > mean(best) ? part : best), parts[0]);
  if (mean('holomind') === undefined) continue;
  const checks = [
    ...Object.entries(scenario.targets)
      .filter(([strategy]) => mean(strategy) !== undefined)
      .map(([strategy, target]) => ({
        what: `${strategy} >= ${target.toFixed(1)}`,
        met: mean(strategy) >= target,
        value: mean(strategy),
      })),
    {
      what: `holomind >= best part (${bestPart}, ${mean(bestPart).toFixed(2)}) - 0.3`,
      met: mean('holomind') >= mean(bestPart) - 0.3,
      value: mean('holomind'),
    },
  ];
  report.push({ scenario: scenario.id, title: scenario.title, protocol: documents[0].protocol, reference, rows, checks });
  lines.push(`## ${scenario.title}`, '');
  lines.push(
    `| strategy | average accuracy % | average forgetting (points) | seeds | published % (${reference?.source ?? '—'}) | seconds per run |`,
  );
  lines.push('| --- | ---: | ---: | --- | ---: | ---: |');
  for (const row of rows) {
    const cells = [row.strategy, format(row.accuracy), format(row.forgetting), row.seeds.join(', ')];
    lines.push(`| ${cells.join(' | ')} | ${row.published?.toFixed(2) ?? '—'} | ${row.seconds.mean.toFixed(0)} |`);
  }
  lines.push('', ...checks.map((check) => `- ${check.met ? 'MET' : 'NOT MET'}: ${check.what} (${check.value.toFixed(2)})`), '');
}
if (rerun) lines.push(`Re-run of ${rerun.join(', ')} only; the other rows are the earlier full run's.`);
if (!process.env.CL_SUMMARIZE_ONLY)
  lines.push(`Wall time: ${((Date.now() - started) / 60000).toFixed(1)} min, ${parallel} runs at a time.`);
writeFileSync(path.join(results, 'continual-learning.json'), `${JSON.stringify(report, null, 2)}\n`);
writeFileSync(path.join(results, 'continual-learning.md'), `${lines.join('\n')}\n`);
console.log(`\n${lines.join('\n')}`);
