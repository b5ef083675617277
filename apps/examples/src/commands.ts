import path from 'node:path';
import { DashboardData, startDashboardServer } from '@holomind/monitoring';
import { ExperimentRepository, type Database, type Kysely } from '@holomind/db';
import { StateStore } from '@holomind/state';
import { ProgressiveNetwork } from '@holomind/network';
import { disposeBackend } from '@holomind/tensor-kernels';
import { deepMerge, loadConfigFile, parseConfig } from './config/load-config.js';
import type { HolomindConfig, HolomindConfigInput } from './config/schema.js';
import { startBackend } from './pipeline/backend.js';
import { buildBenchmark } from './pipeline/benchmark.js';
import { loadCheckpoint, loadLatestCheckpoint, runStates } from './pipeline/checkpoint.js';
import { chooseRun } from './pipeline/run-registry.js';
import { openDatabase } from './pipeline/database.js';
import { closeLiveDashboards, flattenHParams, liveDashboardCount } from './pipeline/monitoring.js';
import { ensureOutputFolder } from './pipeline/output-folder.js';
import { formatMatrix, replayRuns, writeRunReport } from './pipeline/report.js';
import { mean } from './pipeline/continual-summary.js';
import { terminalReporter } from './pipeline/reporter.js';
import { runTraining, type RunSummary } from './pipeline/run-training.js';
import { planStrategy } from './pipeline/strategy.js';
import { evaluateTask } from './pipeline/task-data.js';
import { buildStrategy } from './pipeline/build-strategy.js';
import { compareCommand as runComparison, type CompareRequest } from './compare.js';
import { showRunData } from './data-show.js';
import { dataLabel } from './pipeline/data-label.js';

/** The configuration from an optional YAML file with the command line's flags on top. */
export async function resolveConfig(configFile: string | undefined, overrides: HolomindConfigInput): Promise<HolomindConfig> {
  return configFile ? loadConfigFile(configFile, overrides) : parseConfig(deepMerge({}, overrides as Record<string, unknown>));
}

const percent = (value: number) => `${(value * 100).toFixed(2)}`;
const points = (value: number | null) => (value === null ? 'n/a' : percent(value));

function printSummary(summary: RunSummary, reportPath: string): void {
  const out = process.stdout;
  out.write(
    `\n${summary.benchmark} (${summary.scenario}), strategy ${summary.strategy}, backend ${summary.backend.name}, ${summary.seconds.toFixed(1)} s\n`,
  );
  out.write(
    `average accuracy ${percent(summary.averageAccuracy)}%, average forgetting ${points(summary.forgetting)} points, ${summary.alerts} forgetting alert(s)\n`,
  );
  out.write(`\nAccuracy matrix (%), row = after training task i, column = task j:\n${formatMatrix(summary.matrix)}\n`);
  out.write(`\nTensorBoard logs: ${summary.tensorboardDir}\nReport: ${reportPath}\n`);
}

/** Which run a command reads or continues, and whether a damaged checkpoint may fall back to an earlier one. */
export interface RunSelection {
  /** Experiment id (`--run`); default: the most recent run (unfinished first, for resume). */
  run?: string;
  /** `--fallback`: use the newest intact version when the asked one is damaged. */
  fallback?: boolean;
}

async function trainAndReport(
  config: HolomindConfig,
  resume: boolean,
  resumeTasks?: number,
  selection: RunSelection = {},
): Promise<void> {
  await ensureOutputFolder(config.output);
  const summary = await runTraining({ config, resume, resumeTasks, reporter: terminalReporter(), ...selection });
  const db = await openDatabase(config.db);
  try {
    const reportPath = await writeRunReport(path.join(config.output, 'report'), db, summary.experimentId);
    printSummary(summary, reportPath);
  } finally {
    await db.destroy();
    await disposeBackend();
  }
}

export async function trainCommand(configFile: string | undefined, overrides: HolomindConfigInput): Promise<void> {
  await trainAndReport(await resolveConfig(configFile, overrides), false);
  if (liveDashboardCount() > 0) {
    process.stdout.write('Training finished; the dashboard keeps serving the run (Ctrl-C to stop).\n');
    await new Promise<void>((resolve) => process.once('SIGINT', resolve));
    await closeLiveDashboards();
  }
}

export async function resumeCommand(
  configFile: string | undefined,
  overrides: HolomindConfigInput,
  selection: RunSelection = {},
): Promise<void> {
  // Only an explicit --tasks extends a resumed run; its own configuration is kept otherwise.
  await trainAndReport(await resolveConfig(configFile, overrides), true, overrides.training?.tasks, selection);
}

async function withStore<T>(config: HolomindConfig, work: (store: StateStore, db: Kysely<Database>) => Promise<T>): Promise<T> {
  const db = await openDatabase(config.db);
  try {
    return await work(new StateStore({ directory: path.join(config.output, 'states'), db }), db);
  } finally {
    await db.destroy();
  }
}

export async function evaluateCommand(
  configFile: string | undefined,
  overrides: HolomindConfigInput,
  selection: RunSelection = {},
): Promise<void> {
  const requested = await resolveConfig(configFile, overrides);
  await withStore(requested, async (store) => {
    const checkpoint = await loadCheckpoint(store, await chooseRun(store, undefined, selection.run, false), {
      fallback: selection.fallback,
      onDamaged: warn,
    });
    const config = checkpoint.progress.config;
    await startBackend({ ...config, backend: requested.backend });
    const benchmark = await buildBenchmark(config, { preprocessing: checkpoint.preprocessing });
    const plan = planStrategy(config, benchmark.scenario);
    const network = ProgressiveNetwork.fromState(checkpoint.network);
    // The strategy's own classifier (iCaRL's nearest mean) evaluates as training did.
    const strategy = buildStrategy(config, plan, benchmark.tasks, checkpoint.strategy);
    try {
      const learned =
        network.taskIds.length === 0 ? 0 : plan.columnPerTask ? network.taskIds.length : checkpoint.progress.taskIndex;
      const accuracies: number[] = [];
      for (let j = 0; j < learned; j++) {
        const task = benchmark.tasks[j]!;
        const accuracy = await evaluateTask(network, plan, task, j, strategy.classify.bind(strategy));
        accuracies.push(accuracy);
        process.stdout.write(`task ${j + 1} [${task.classes.join(',')}]: ${percent(accuracy)}% of ${task.test.labels.length}\n`);
      }
      process.stdout.write(`average accuracy ${percent(mean(accuracies))}% (checkpoint version ${checkpoint.version})\n`);
    } finally {
      strategy.dispose();
      network.dispose();
      await disposeBackend();
    }
  });
}

/** `holomind data show`: a run's data versions and statistics. */
export async function dataShowCommand(
  configFile: string | undefined,
  overrides: HolomindConfigInput,
  run?: string,
): Promise<void> {
  await showRunData(await resolveConfig(configFile, overrides), run);
}

export async function reportCommand(configFile: string | undefined, overrides: HolomindConfigInput): Promise<void> {
  const config = await resolveConfig(configFile, overrides);
  await withStore(config, async (store, db) => {
    const checkpoint = await loadLatestCheckpoint(store);
    const file = await writeRunReport(path.join(config.output, 'report'), db, checkpoint.progress.experimentId);
    process.stdout.write(`${formatMatrix(checkpoint.progress.matrix)}\nReport: ${file}\n`);
  });
}

export async function dashboardCommand(
  configFile: string | undefined,
  overrides: HolomindConfigInput,
  port?: number,
  runs?: string,
): Promise<void> {
  const config = await resolveConfig(configFile, overrides);
  const db = await openDatabase(config.db);
  const experiments = new ExperimentRepository(db);
  let ids: string[];
  if (runs === 'all') ids = (await experiments.list()).map((experiment) => experiment.id);
  else if (runs) ids = runs.split(',').map((id) => id.trim());
  else
    ids = [
      (await loadLatestCheckpoint(new StateStore({ directory: path.join(config.output, 'states'), db }))).progress.experimentId,
    ];
  const stored = await Promise.all(ids.map((id) => experiments.get(id)));
  const { tracker, evaluators } = await replayRuns(db, ids);
  const details = () => ({
    runs: Object.fromEntries(stored.map((experiment) => [experiment.id, `${experiment.name} ${experiment.id.slice(-6)}`])),
    hyperparameters: Object.fromEntries(stored.map((experiment) => [experiment.id, flattenHParams(experiment.hyperparameters)])),
  });
  const server = await startDashboardServer({
    data: new DashboardData({ tracker, evaluator: evaluators[0], details }),
    port: port ?? config.monitoring.dashboardPort,
  });
  process.stdout.write(
    `Dashboard of ${ids.length === 1 ? `experiment ${ids[0]}` : `${ids.length} experiments`}: ${server.url}\n(Ctrl-C to stop)\n`,
  );
  await new Promise<void>((resolve) => process.once('SIGINT', resolve));
  await server.close();
  await db.destroy();
}

/** `holomind compare`: several strategies and seeds, mean ± std beside published numbers. */
export async function compareCommand(
  configFile: string | undefined,
  overrides: HolomindConfigInput,
  request: CompareRequest,
): Promise<void> {
  await runComparison(await resolveConfig(configFile, overrides), request);
}

/** What `holomind states <action>` takes besides the run options. */
export interface StatesRequest extends RunSelection {
  version?: number;
  /** prune: keep this many newest versions per run. */
  keepLast?: number;
  /** prune: delete files no checkpoint references once older than this many minutes (default 15). */
  orphanGraceMinutes?: number;
}

const warn = (line: string) => void process.stderr.write(`holomind: ${line}\n`);

export async function statesCommand(
  action: 'list' | 'show' | 'rollback' | 'verify' | 'prune',
  configFile: string | undefined,
  overrides: HolomindConfigInput,
  request: StatesRequest = {},
): Promise<void> {
  const config = await resolveConfig(configFile, overrides);
  await withStore(config, async (store) => {
    const out = process.stdout;
    if (action === 'list') {
      const runs =
        request.run === undefined
          ? (await runStates(store)).map((run) => run.stateId)
          : [await chooseRun(store, undefined, request.run)];
      for (const stateId of runs) {
        out.write(`${stateId}\n`);
        for (const entry of await store.history(stateId))
          out.write(
            `  v${entry.version}  ${entry.createdAt.toISOString()}  ${entry.description}  ${JSON.stringify(entry.metrics)}\n`,
          );
      }
      if (runs.length === 0) out.write('no checkpoints yet\n');
      return;
    }
    if (action === 'verify') {
      const report = await store.verify();
      for (const damaged of report.damaged) {
        out.write(`DAMAGED ${damaged.stateId} v${damaged.version}: ${damaged.files.join(', ')}\n`);
        for (const problem of damaged.problems) out.write(`  ${problem}\n`);
      }
      out.write(
        `checked ${report.checkedVersions} version(s), ${report.checkedTensors} tensor(s): ${report.damaged.length === 0 ? 'all intact' : `${report.damaged.length} damaged`}\n`,
      );
      if (report.damaged.length > 0) process.exitCode = 1;
      return;
    }
    if (action === 'prune') {
      const report = await store.prune({
        keepLast: request.keepLast,
        orphanGraceMs: (request.orphanGraceMinutes ?? 15) * 60_000,
      });
      for (const { stateId, version } of report.removedVersions) out.write(`removed ${stateId} v${version}\n`);
      out.write(`removed ${report.removedFiles.length} file(s), ${report.freedBytes} bytes freed\n`);
      return;
    }
    const stateId = await chooseRun(store, undefined, request.run, false);
    if (action === 'show') {
      const checkpoint = await loadCheckpoint(store, stateId, {
        version: request.version,
        fallback: request.fallback,
        onDamaged: warn,
      });
      const { progress } = checkpoint;
      out.write(
        `version ${checkpoint.version}: experiment ${progress.experimentId}, ${dataLabel(progress.config)}/${progress.config.strategy}, next task ${progress.taskIndex + 1}, ${progress.epochsDone} epoch(s) into it\n${formatMatrix(progress.matrix)}\n`,
      );
      return;
    }
    const saved = await store.rollback(stateId, request.version!);
    out.write(
      `version ${request.version} of ${stateId} is now the latest as v${saved.version}; \`holomind resume\` continues from it.\n`,
    );
  });
}
