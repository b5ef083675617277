import type * as tf from '@tensorflow/tfjs-core';
import type { BenchmarkTask } from '@holomind/data';
import { EwcConsolidator } from '@holomind/ewc';
import { EpisodicMemory, type EpisodicWritePolicy } from '@holomind/memory';
import type { ProgressiveNetwork } from '@holomind/network';
import type { HolomindConfig } from '../config/schema.js';
import { CliError } from '../errors.js';
import { ComposedStrategy } from '../strategies/compose.js';
import type { StrategyPart, StrategyState, TaskContext } from '../strategies/continual-strategy.js';
import { DistillationPart } from '../strategies/distillation-part.js';
import { EwcPart } from '../strategies/ewc-part.js';
import { NearestMeanPart } from '../strategies/nearest-mean-part.js';
import { ReplayPart, type ReplayOptions } from '../strategies/replay-part.js';
import { TaskInferencePart } from '../strategies/task-inference-part.js';
import { columnFor } from './build-model.js';
import type { StrategyPlan } from './strategy.js';

/** The variables EWC protects: the shared extractor, plus the one shared head unless the plan keeps EWC off it. */
export function protectedVariables(network: ProgressiveNetwork, plan: StrategyPlan, columnId: string): tf.Variable[] {
  const extractorOnly = plan.columnPerTask || plan.ewcScope === 'extractor';
  return extractorOnly ? network.sharedVariables() : [...network.sharedVariables(), ...network.columnVariables(columnId)];
}

function replayOptions(config: HolomindConfig, plan: StrategyPlan): ReplayOptions {
  const replayBatch = config.replay.batchSize ?? config.training.batchSize;
  if (replayBatch > config.replay.budget) {
    throw new CliError(
      'INVALID_ARGUMENT',
      `The replay batch (${replayBatch}: replay.batchSize, or training.batchSize when unset) is larger than the episodic memory ` +
        `(replay.budget ${config.replay.budget}); it could never be filled. Lower replay.batchSize or raise replay.budget.`,
    );
  }
  return {
    kind: plan.replay!.kind,
    replayBatch,
    alpha: config.replay.alpha,
    beta: config.replay.beta,
  };
}

/**
 * The strategy's parts, fresh or restored from a checkpoint's `strategy` states, in the order their
 * hooks run: EWC, replay, distillation, nearest-mean classification.
 */
export function buildStrategy(
  config: HolomindConfig,
  plan: StrategyPlan,
  tasks: readonly BenchmarkTask[],
  saved?: Record<string, StrategyState>,
): ComposedStrategy {
  const parts: StrategyPart[] = [];
  const protect = (context: TaskContext) => protectedVariables(context.network, plan, context.columnOf(context.taskIndex));
  if (plan.ewc) {
    parts.push(
      saved?.ewc
        ? EwcPart.fromState(saved.ewc, protect, config.ewc.samples)
        : new EwcPart(
            new EwcConsolidator({
              lambda: config.ewc.lambda,
              mode: plan.ewc,
              gamma: config.ewc.gamma,
              fisher: config.ewc.fisher,
              normalize: config.ewc.normalize,
            }),
            protect,
            config.ewc.samples,
          ),
    );
  }
  let replay: ReplayPart | undefined;
  if (plan.replay) {
    const options = replayOptions(config, plan);
    replay = saved?.replay
      ? ReplayPart.fromState(saved.replay, options)
      : new ReplayPart(
          episodicMemory(
            config,
            tasks,
            plan.replay.policy,
            plan.replay.kind === 'derpp' ? Math.max(...tasks.map((task) => task.outputSize)) : 0,
          ),
          options,
        );
    parts.push(replay);
  }
  if (plan.distill) {
    parts.push(
      saved?.distillation ? DistillationPart.fromState(saved.distillation) : new DistillationPart(config.replay.temperature),
    );
  }
  if (plan.inferTask) {
    const policy = config.replay.policy ?? 'class-balanced';
    if (policy !== 'class-balanced' && policy !== 'reservoir') {
      throw new CliError(
        'INVALID_ARGUMENT',
        `replay.policy '${policy}' needs the trained model's outputs, but holomind's task inference writes each task's examples ` +
          'before the task trains (it stores inputs only). Use replay.policy class-balanced or reservoir, or leave it unset.',
      );
    }
    parts.push(
      saved?.['task-inference']
        ? TaskInferencePart.fromState(saved['task-inference'], columnsOf(plan))
        : new TaskInferencePart(episodicMemory(config, tasks, policy, 0), columnsOf(plan)),
    );
  }
  if (plan.nearestMean && replay) {
    // Stored labels are source classes; in class-IL each belongs to exactly one task.
    const targetOf = new Map(tasks.flatMap((task) => task.classes.map((source, i) => [source, task.targetLabels[i]!] as const)));
    parts.push(new NearestMeanPart(replay.memory, (source) => targetOf.get(source) ?? source));
  }
  return new ComposedStrategy(parts);
}

/** An empty episodic memory of `replay.budget` examples in the tasks' input layout. */
function episodicMemory(
  config: HolomindConfig,
  tasks: readonly BenchmarkTask[],
  policy: EpisodicWritePolicy,
  logitSize: number,
): EpisodicMemory {
  const first = tasks[0]!;
  return new EpisodicMemory({
    budget: config.replay.budget,
    inputSize: first.train.features.length / first.train.labels.length,
    classCount: Math.max(...tasks.flatMap((task) => task.classes)) + 1,
    logitSize,
    policy,
    seed: config.seed,
  });
}

/** The column of every task under the plan. */
export function columnsOf(plan: StrategyPlan): (taskIndex: number) => string {
  return (taskIndex) => columnFor(plan, taskIndex);
}
