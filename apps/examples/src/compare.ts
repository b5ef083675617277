import { rename, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { disposeBackend } from '@holomind/tensor-kernels';
import { parseConfig } from './config/load-config.js';
import { STRATEGIES, type HolomindConfig } from './config/schema.js';
import { CliError } from './errors.js';
import { buildBenchmark } from './pipeline/benchmark.js';
import { planStrategy } from './pipeline/strategy.js';
import { runTraining, type RunSummary } from './pipeline/run-training.js';
import { silentReporter } from './pipeline/reporter.js';
import { dataLabel } from './pipeline/data-label.js';

/**
 * Published accuracies (%) for the same benchmark and scenario, with their source. Split MNIST
 * task-IL and Permuted MNIST: van de Ven & Tolias 2019, "Three scenarios for continual learning",
 * Table 2 (MLP 2×400, 2,000 iterations per task, means over 20 runs). Split MNIST class-IL: van de
 * Ven, Tuytelaars & Tolias 2022, Nature Machine Intelligence, Table 2 (ER with 100 stored examples
 * per class, joint = all data at once).
 */
export const REFERENCE_RESULTS: Record<string, { source: string; accuracy: Partial<Record<string, number>> }> = {
  'split-mnist/task-incremental': {
    source: 'van de Ven & Tolias 2019',
    accuracy: { finetune: 87.19, ewc: 98.64, 'online-ewc': 99.12, lwf: 99.57, joint: 99.66 },
  },
  'split-mnist/class-incremental': {
    source: 'van de Ven, Tuytelaars & Tolias 2022',
    accuracy: { finetune: 19.9, ewc: 20.64, er: 88.79, joint: 98.17 },
  },
  'permuted-mnist/domain-incremental': {
    source: 'van de Ven & Tolias 2019',
    accuracy: { finetune: 78.51, ewc: 94.31, 'online-ewc': 94.42, joint: 97.59 },
  },
};

/** What `holomind compare` was asked to run. */
export interface CompareRequest {
  strategies: string[];
  /** One run per strategy and seed; default the configuration's seed. */
  seeds?: number[];
  /** Also write the runs and the per-strategy statistics here. */
  json?: string;
}

/** Mean and sample standard deviation (n − 1; 0 for one value). */
export function meanAndStd(values: readonly number[]): { mean: number; std: number } {
  const mean = values.reduce((sum, value) => sum + value, 0) / values.length;
  const variance = values.length < 2 ? 0 : values.reduce((sum, value) => sum + (value - mean) ** 2, 0) / (values.length - 1);
  return { mean, std: Math.sqrt(variance) };
}

// Every strategy is checked against the benchmark's scenario before anything trains.
async function checkStrategies(base: HolomindConfig, strategies: string[]): Promise<void> {
  const unknown = strategies.filter((strategy) => !(STRATEGIES as readonly string[]).includes(strategy));
  if (unknown.length > 0) {
    throw new CliError(
      'INVALID_ARGUMENT',
      `--strategies names ${unknown.join(', ')}, which is not a strategy; choose from ${STRATEGIES.join(', ')}.`,
    );
  }
  const { scenario } = await buildBenchmark({
    ...base,
    training: { ...base.training, tasks: 1, trainPerTask: 40, testPerTask: 10 },
  });
  for (const strategy of strategies) planStrategy({ ...base, strategy: strategy as HolomindConfig['strategy'] }, scenario);
}

type CompareRun = { strategy: string; seed: number; summary: RunSummary };
type Reference = (typeof REFERENCE_RESULTS)[string] | undefined;

// Mean ± std per strategy that has runs (all of them once the comparison is complete).
function strategyRows(strategies: readonly string[], runs: readonly CompareRun[], reference: Reference) {
  return strategies
    .filter((strategy) => runs.some((run) => run.strategy === strategy))
    .map((strategy) => {
      const mine = runs.filter((run) => run.strategy === strategy);
      return {
        strategy,
        accuracy: meanAndStd(mine.map((run) => 100 * run.summary.averageAccuracy)),
        forgetting: meanAndStd(mine.map((run) => 100 * (run.summary.forgetting ?? 0))),
        seconds: meanAndStd(mine.map((run) => run.summary.seconds)),
        published: reference?.accuracy[strategy] ?? null,
      };
    });
}

// The JSON `compare --json` writes; `complete: false` while runs are still to come.
function compareDocument(base: HolomindConfig, seeds: number[], strategies: string[], runs: CompareRun[], complete: boolean) {
  const scenario = runs[0]?.summary.scenario ?? base.scenario ?? '';
  // Published numbers belong to the built-in benchmarks, never to a user's own data.
  const reference: Reference = base.data ? undefined : REFERENCE_RESULTS[`${base.benchmark}/${scenario}`];
  return {
    benchmark: dataLabel(base),
    scenario,
    seeds,
    complete,
    protocol: {
      tasks: base.training.tasks,
      epochs: base.training.epochs,
      batchSize: base.training.batchSize,
      replay: base.replay,
    },
    reference: reference ?? null,
    strategies: strategyRows(strategies, runs, reference),
    runs: runs.map(({ strategy, seed, summary }) => ({
      strategy,
      seed,
      experimentId: summary.experimentId,
      averageAccuracy: summary.averageAccuracy,
      forgetting: summary.forgetting,
      matrix: summary.matrix,
      seconds: summary.seconds,
    })),
  };
}

/**
 * Trains every strategy with every seed, prints mean ± std beside the published numbers, and writes
 * JSON when asked: after every run (so a crash loses only the run it stopped), complete at the end.
 */
export async function compareCommand(base: HolomindConfig, request: CompareRequest): Promise<void> {
  const seeds = request.seeds ?? [base.seed];
  await checkStrategies(base, request.strategies);
  const runs: CompareRun[] = [];
  const writeJson = async (complete: boolean) => {
    if (!request.json) return;
    const document = compareDocument(base, seeds, request.strategies, runs, complete);
    // Written beside it, then renamed over it: a crash mid-write leaves the previous document whole.
    const partial = `${request.json}.tmp`;
    await writeFile(partial, `${JSON.stringify(document, null, 2)}\n`);
    await rename(partial, request.json);
  };
  for (const strategy of request.strategies) {
    for (const seed of seeds) {
      const config = parseConfig({
        ...base,
        strategy,
        seed,
        output: path.join(base.output, 'compare', `${strategy}-seed${seed}`),
      });
      process.stdout.write(`training ${strategy} (seed ${seed}) on ${dataLabel(config)}...\n`);
      runs.push({ strategy, seed, summary: await runTraining({ config, reporter: silentReporter }) });
      await writeJson(false);
    }
  }
  await disposeBackend();
  const { scenario, reference, strategies: rows } = compareDocument(base, seeds, request.strategies, runs, true);
  const pm = ({ mean, std }: { mean: number; std: number }, digits = 2) => `${mean.toFixed(digits)} ± ${std.toFixed(digits)}`;
  const lines = [
    `${dataLabel(base)}, ${scenario}, ${base.training.tasks} tasks, ${base.training.epochs} epoch(s)/task, seeds ${seeds.join(', ')}; ${runs[0]?.summary.dataSource ?? ''}`,
    `| strategy | average accuracy % | average forgetting (points) | published % (${reference?.source ?? 'none'}) | seconds |`,
    '| --- | ---: | ---: | ---: | ---: |',
    ...rows.map(
      (row) =>
        `| ${row.strategy} | ${pm(row.accuracy)} | ${pm(row.forgetting)} | ${row.published?.toFixed(2) ?? '—'} | ${pm(row.seconds, 0)} |`,
    ),
  ];
  process.stdout.write(`\n${lines.join('\n')}\n`);
  if (request.json) {
    await writeJson(true);
    process.stdout.write(`JSON: ${request.json}\n`);
  }
}
