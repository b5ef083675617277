import * as tf from '@tensorflow/tfjs-core';
import { distillationLoss } from '@holomind/memory';
import { ProgressiveNetwork, type ProgressiveNetworkState, type RegularizerBatch } from '@holomind/network';
import { cacheVariablesOnHost } from '@holomind/tensor-kernels';
import { frozenMemoriesFrom, frozenMemoryEntries, type FrozenMemoryRecord } from '../pipeline/frozen-memory-entries.js';
import type { StrategyPart, StrategyState, TaskContext } from './continual-strategy.js';

/**
 * Learning without Forgetting (Li & Hoiem 2016): before each new task a frozen copy of the network
 * is kept as teacher, and training adds the distillation loss between its outputs for the earlier
 * tasks and the network's, on the current batch — no stored data. With a head per task the earlier
 * heads are distilled; with one shared head, the logits of the classes of earlier tasks.
 */
export class DistillationPart implements StrategyPart {
  readonly name = 'distillation';
  private teacher: ProgressiveNetwork | undefined;

  constructor(
    readonly temperature: number,
    /** Weight of the distillation term (LwF's λ_o; 1 in the paper). */
    readonly weight = 1,
  ) {}

  async beforeTask(context: TaskContext): Promise<void> {
    this.teacher?.dispose();
    this.teacher = undefined;
    if (context.taskIndex === 0) return;
    await cacheVariablesOnHost(); // toState reads the weights synchronously, which WebGPU in Node cannot
    this.teacher = ProgressiveNetwork.fromState(context.network.toState());
  }

  loss(context: TaskContext) {
    const teacher = this.teacher;
    if (!teacher) return undefined;
    const earlier = context.tasks.slice(0, context.taskIndex);
    const columns = [...new Set(earlier.map((task) => context.columnOf(task.taskId)))];
    const current = context.columnOf(context.taskIndex);
    // With one shared head: only the outputs of classes the teacher has learnt carry its knowledge.
    const oldLabels = [...new Set(earlier.flatMap((task) => task.targetLabels))].sort((a, b) => a - b);
    return (batch: RegularizerBatch) => {
      const terms = columns.map((column) => {
        const student = column === current ? batch.logits : context.network.forward(batch.inputs, column);
        const old = tf.tidy(() => teacher.forward(batch.inputs, column));
        const shared = column === current && columns.length === 1;
        // Picks the old classes' logits with a [old, outputs] 0/1 product: gather's gradient needs a
        // kernel (UnsortedSegmentSum) the wasm backend lacks, and its float32 oneHot writes integer bits.
        const pick = (logits: tf.Tensor2D) =>
          shared ? (tf.matMul(logits, selection(oldLabels, logits.shape[1]), false, true) as tf.Tensor2D) : logits;
        return distillationLoss(pick(student), pick(old), this.temperature);
      });
      return tf.mul(
        this.weight / terms.length,
        terms.reduce((sum, term) => tf.add(sum, term) as tf.Scalar),
      ) as tf.Scalar;
    };
  }

  /** Restores a part from {@link toState}, teacher included, so a task resumed mid-way distils from the same teacher. */
  static fromState(state: StrategyState): DistillationPart {
    const part = new DistillationPart(state.values.temperature as number, state.values.weight as number);
    const teacher = state.values.teacher as Omit<ProgressiveNetworkState, 'arrays' | 'frozenMemories'> | null;
    const frozenRecords = state.values.teacherFrozenMemories as FrozenMemoryRecord[] | undefined;
    if (teacher) {
      const under = (prefix: string) =>
        Object.fromEntries(
          Object.entries(state.arrays)
            .filter(([name]) => name.startsWith(prefix))
            .map(([name, data]) => [name.slice(prefix.length), data]),
        );
      part.teacher = ProgressiveNetwork.fromState({
        ...teacher,
        arrays: under('teacher/') as ProgressiveNetworkState['arrays'],
        ...(teacher.memory ? { memory: { ...teacher.memory, arrays: under('teacher-memory/') as never } } : {}),
        ...frozenMemoriesFrom(frozenRecords, under('teacher-frozen-memory/')),
      } as ProgressiveNetworkState);
    }
    return part;
  }

  toState(): StrategyState {
    const values: Record<string, unknown> = { temperature: this.temperature, weight: this.weight, teacher: null };
    const arrays: StrategyState['arrays'] = {};
    if (this.teacher) {
      const teacherState = this.teacher.toState();
      const { arrays: weights, memory, frozenMemories: _copies, ...meta } = teacherState;
      for (const [name, data] of Object.entries(weights)) arrays[`teacher/${name}`] = data;
      const frozen = frozenMemoryEntries(teacherState, 'teacher-frozen-memory/');
      Object.assign(arrays, frozen.arrays);
      if (frozen.records.length > 0) values.teacherFrozenMemories = frozen.records;
      if (memory) {
        const { arrays: memoryArrays, ...memoryMeta } = memory;
        for (const [name, data] of Object.entries(memoryArrays))
          arrays[`teacher-memory/${name}`] = data as Float32Array | Float64Array;
        values.teacher = { ...meta, memory: memoryMeta };
      } else values.teacher = meta;
    }
    return { values, arrays };
  }

  dispose(): void {
    this.teacher?.dispose();
    this.teacher = undefined;
  }
}

// [labels.length, outputs] rows of 0/1 picking each label's output.
function selection(labels: readonly number[], outputs: number): tf.Tensor2D {
  const values = new Float32Array(labels.length * outputs);
  labels.forEach((label, row) => (values[row * outputs + label] = 1));
  return tf.tensor2d(values, [labels.length, outputs]);
}
