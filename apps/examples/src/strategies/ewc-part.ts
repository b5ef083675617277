import type * as tf from '@tensorflow/tfjs-core';
import { EwcConsolidator, type EwcState } from '@holomind/ewc';
import type { StrategyPart, StrategyState, TaskContext } from './continual-strategy.js';

/** Elastic Weight Consolidation (Kirkpatrick et al. 2017) as a strategy part: penalty while training, Fisher after each task. */
export class EwcPart implements StrategyPart {
  readonly name = 'ewc';

  constructor(
    readonly consolidator: EwcConsolidator,
    /** The variables EWC protects on a task (the shared extractor, plus the shared head when there is one). */
    private readonly protectedVariables: (context: TaskContext) => tf.Variable[],
    /** Examples the Fisher is estimated from, at most. */
    private readonly samples: number,
  ) {}

  /** Restores a part from {@link toState}. */
  static fromState(state: StrategyState, protectedVariables: (context: TaskContext) => tf.Variable[], samples: number): EwcPart {
    const ewcState = { meta: state.values.meta, arrays: state.arrays } as unknown as EwcState;
    return new EwcPart(EwcConsolidator.fromState(ewcState), protectedVariables, samples);
  }

  loss(context: TaskContext) {
    const target = this.protectedVariables(context);
    return () => this.consolidator.penalty(target);
  }

  async afterTask(context: TaskContext): Promise<string> {
    const target = this.protectedVariables(context);
    const column = context.columnOf(context.taskIndex);
    const summary = await this.consolidator.consolidate(
      target,
      { inputs: context.train.inputs, labels: context.train.labels },
      {
        taskId: `task-${context.taskIndex}`,
        samples: Math.min(this.samples, context.train.labels.shape[0]!),
        seed: context.seed,
        predict: (inputs) => context.network.forward(inputs, column),
      },
    );
    return `EWC: Fisher of ${target.length} variables from ${summary.samples} samples (${summary.route}), largest importance ${summary.maxImportance.toPrecision(3)}`;
  }

  toState(): StrategyState {
    const state = this.consolidator.toState();
    return { values: { meta: state.meta as unknown }, arrays: state.arrays };
  }

  dispose(): void {
    this.consolidator.dispose();
  }
}
