import type * as tf from '@tensorflow/tfjs-core';
import { EwcConsolidator, type EwcState, type EwcStateMeta } from '@holomind/ewc';
import type { StrategyPart, StrategyState, TaskContext } from './continual-strategy.js';

/** Elastic Weight Consolidation (Kirkpatrick et al. 2017) as a strategy part: penalty while training, Fisher after each task. */
export class EwcPart implements StrategyPart {
  readonly name = 'ewc';

  /** Set by {@link fromState}: the saved parameter names still have to be matched to the rebuilt network's variables. */
  private restored = false;

  constructor(
    public consolidator: EwcConsolidator,
    /** The variables EWC protects on a task (the shared extractor, plus the shared head when there is one). */
    private readonly protectedVariables: (context: TaskContext) => tf.Variable[],
    /** Examples the Fisher is estimated from, at most. */
    private readonly samples: number,
  ) {}

  /** Restores a part from {@link toState}. */
  static fromState(state: StrategyState, protectedVariables: (context: TaskContext) => tf.Variable[], samples: number): EwcPart {
    const ewcState = { meta: state.values.meta, arrays: state.arrays } as unknown as EwcState;
    const part = new EwcPart(EwcConsolidator.fromState(ewcState), protectedVariables, samples);
    part.restored = true;
    return part;
  }

  /**
   * tf.js names variables by a process-wide counter, so a network rebuilt from a checkpoint (in a
   * new process, or as a second run in this one) has other names than the one consolidated: the
   * saved parameters are matched to the protected variables by position (same order and shapes).
   */
  private alignRestored(target: tf.Variable[]): void {
    if (!this.restored) return;
    this.restored = false;
    const state = this.consolidator.toState();
    const meta = state.meta as EwcStateMeta;
    const arrays: Record<string, Float32Array> = {};
    const key = (index: number, name: string, kind: string) => `consolidations/${index}/${name}/${kind}`;
    const consolidations = meta.consolidations.map((consolidation, index) => ({
      ...consolidation,
      parameters: consolidation.parameters.map((parameter, position) => {
        const variable = target[position];
        const same = variable !== undefined && variable.shape.join(',') === parameter.shape.join(',');
        const name = same ? variable.name : parameter.name;
        for (const kind of ['anchor', 'fisher']) arrays[key(index, name, kind)] = state.arrays[key(index, parameter.name, kind)]!;
        return { ...parameter, name };
      }),
    }));
    this.consolidator.dispose();
    this.consolidator = EwcConsolidator.fromState({ meta: { ...meta, consolidations }, arrays });
  }

  loss(context: TaskContext) {
    const target = this.protectedVariables(context);
    this.alignRestored(target);
    return () => this.consolidator.penalty(target);
  }

  async afterTask(context: TaskContext): Promise<string> {
    const target = this.protectedVariables(context);
    this.alignRestored(target);
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
