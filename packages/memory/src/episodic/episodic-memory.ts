import * as tf from '@tensorflow/tfjs-core';
import { describeValue, SeededRandom } from '@holomind/core';
import { gatherRows } from '@holomind/tensor-kernels';
import { MemoryError } from '../errors.js';
import { resolveEpisodicOptions, type EpisodicMemoryOptions, type ResolvedEpisodicOptions } from './episodic-options.js';
import { checkEpisodicState, EPISODIC_STATE_FORMAT, type EpisodicMemoryState } from './episodic-state.js';
import { herdingOrder } from './herding.js';

/** Examples offered to {@link EpisodicMemory.write}, row-major typed arrays. */
export interface EpisodeBatch {
  /** [n, inputSize]. */
  inputs: Float32Array;
  /** [n] class indices in [0, classCount). */
  labels: ArrayLike<number>;
  /** The task these examples come from (an index; stored with each example). */
  task: number;
  /** [n, logitSize] model outputs at write time; required when the memory stores logits. */
  logits?: Float32Array;
  /** [n] importance (per-example loss, gradient norm); required by the `importance` policy. */
  importance?: Float32Array;
  /** [n, featureSize] feature vectors for herding; required by the `herding` policy. */
  features?: Float32Array;
  /** Values per feature vector. */
  featureSize?: number;
}

/** What one {@link EpisodicMemory.write} did. */
export interface EpisodicWriteResult {
  offered: number;
  /** Examples now stored that were not before. */
  stored: number;
  /** Stored examples that were overwritten or dropped to make room. */
  evicted: number;
}

/** Stored examples drawn by {@link EpisodicMemory.sample}. */
export interface EpisodeSample {
  /** [n, inputSize]; empty when drawn with `{ inputs: false }` (take them as a tensor with `inputsOf(slots)`). */
  inputs: Float32Array;
  /** [n]. */
  labels: Int32Array;
  /** [n] task of each example. */
  tasks: Int32Array;
  /** [n, logitSize] logits stored at write time (empty when the memory stores none). */
  logits: Float32Array;
  /** Slot of each example. */
  slots: Int32Array;
}

/** The same draw as tensors the caller owns (and disposes). */
export interface EpisodeTensors {
  /** [n, inputSize] float32. */
  inputs: tf.Tensor2D;
  /** [n] int32. */
  labels: tf.Tensor1D;
  /** [n, logitSize] float32; absent when the memory stores no logits. */
  logits?: tf.Tensor2D;
}

/** Counters and fill of an {@link EpisodicMemory}, for monitoring. */
export interface EpisodicMemoryStats {
  budget: number;
  size: number;
  /** size / budget. */
  fill: number;
  /** Stored examples per class, index = class. */
  perClass: number[];
  /** Stored examples per task. */
  perTask: Record<number, number>;
  /** Examples ever offered to write. */
  offered: number;
  /** Examples ever stored. */
  stored: number;
  /** Stored examples overwritten or dropped. */
  evictions: number;
  /** Examples handed out by sample (replayed). */
  replayHits: number;
  /** Calls of sample. */
  samples: number;
}

const COUNTERS = ['offered', 'stored', 'evictions', 'replayHits', 'samples'] as const;
type CounterName = (typeof COUNTERS)[number];

// What the class-balanced and importance policies decide by during one write: stored examples per
// class, and each class's share of the budget (undefined: to be recomputed).
interface ClassShares {
  counts: number[];
  quotas: Int32Array | undefined;
}

/**
 * An episodic memory: a fixed budget of stored examples (input or feature vector, label, task,
 * optionally the model's logits at write time), written by a policy and replayed by seeded
 * sampling. It is the storage behind experience replay, DER++ and iCaRL; it holds plain typed
 * arrays, so its state round-trips exactly and it never holds a tensor.
 *
 * @example
 * ```ts
 * const memory = new EpisodicMemory({ budget: 500, inputSize: 784, classCount: 10, logitSize: 10 });
 * memory.write({ inputs, labels, task: 0, logits });      // after training task 0
 * const replay = memory.sampleTensors(32);                // while training task 1
 * // ... loss on replay.inputs / replay.labels / replay.logits ...
 * tf.dispose([replay.inputs, replay.labels, replay.logits]);
 * const restored = EpisodicMemory.fromState(memory.toState());
 * ```
 */
export class EpisodicMemory {
  /** The options with every default filled in. */
  readonly options: ResolvedEpisodicOptions;
  private readonly random: SeededRandom;
  private readonly inputs: Float32Array;
  private readonly labels: Int32Array;
  private readonly tasks: Int32Array;
  private readonly logits: Float32Array;
  private readonly importance: Float32Array;
  // Position of each stored example in its class's herding order (0 = first chosen).
  private readonly herdingRank: Int32Array;
  // Examples of each class ever offered: the reservoir denominators and the set of classes seen.
  private readonly classOffered: Float64Array;
  private readonly counters: Record<CounterName, number> = { offered: 0, stored: 0, evictions: 0, replayHits: 0, samples: 0 };
  private filled = 0;
  // Only in rowsToStore's copy: the batch row each slot was written from (-1: stored before), and no example values are copied.
  private sourceRows: Int32Array | undefined;

  constructor(options: EpisodicMemoryOptions) {
    this.options = resolveEpisodicOptions(options);
    const { budget, inputSize, logitSize, classCount, seed } = this.options;
    this.random = new SeededRandom(seed);
    this.inputs = new Float32Array(budget * inputSize);
    this.labels = new Int32Array(budget);
    this.tasks = new Int32Array(budget);
    this.logits = new Float32Array(budget * logitSize);
    this.importance = new Float32Array(budget);
    this.herdingRank = new Int32Array(budget);
    this.classOffered = new Float64Array(classCount);
  }

  /** Rebuilds a memory exactly as {@link toState} recorded it, generator position included. */
  static fromState(state: EpisodicMemoryState): EpisodicMemory {
    const size = checkEpisodicState(state);
    const memory = new EpisodicMemory(state.options);
    const { inputSize, logitSize } = memory.options;
    const { arrays } = state;
    memory.filled = size;
    memory.inputs.set(arrays.inputs.subarray(0, size * inputSize));
    memory.labels.set(arrays.labels.subarray(0, size));
    memory.tasks.set(arrays.tasks.subarray(0, size));
    memory.logits.set(arrays.logits.subarray(0, size * logitSize));
    memory.importance.set(arrays.importance.subarray(0, size));
    memory.herdingRank.set(arrays.herdingRank.subarray(0, size));
    memory.classOffered.set(arrays.classOffered);
    COUNTERS.forEach((name, index) => (memory.counters[name] = arrays.counters[index]!));
    memory.random.reset(state.random);
    return memory;
  }

  /** Examples stored now. */
  get size(): number {
    return this.filled;
  }

  /** Classes with at least one stored example, ascending. */
  storedClasses(): number[] {
    const counts = this.classCounts();
    return counts.flatMap((count, label) => (count > 0 ? [label] : []));
  }

  /** Offers examples; the policy decides which are kept and what they replace. */
  write(batch: EpisodeBatch): EpisodicWriteResult {
    const count = this.checkBatch(batch);
    const before = { stored: this.counters.stored, evictions: this.counters.evictions };
    this.writeRows(batch, count);
    return {
      offered: count,
      stored: this.counters.stored - before.stored,
      evicted: this.counters.evictions - before.evictions,
    };
  }

  /**
   * The rows of a batch with these labels that {@link write} would leave stored, ascending, without
   * changing the memory. The `reservoir` and `class-balanced` policies choose by label and seeded
   * draws alone, so a caller can compute what goes with each example (the model's logits, a forward
   * pass) for these rows only and pass it in rows of zeros for the others: `write` then stores
   * exactly what it would have with every row computed. (`importance` and `herding` choose by every
   * row's values; there this throws.)
   */
  rowsToStore(batch: Pick<EpisodeBatch, 'labels' | 'task'>): Int32Array {
    const { policy, budget } = this.options;
    if (policy !== 'reservoir' && policy !== 'class-balanced') {
      throw new MemoryError(
        'UNKNOWN_WRITE_POLICY',
        `rowsToStore() needs a policy that chooses by label alone ('reservoir' or 'class-balanced'); '${policy}' chooses by ` +
          `each row's ${policy === 'herding' ? 'features' : 'importance'}, so compute them for every row and call write().`,
      );
    }
    const count = this.checkLabels(batch.labels);
    const plan = this.copyWithoutExamples();
    plan.sourceRows = new Int32Array(budget).fill(-1);
    plan.writeRows(batch as EpisodeBatch, count);
    const rows = plan.sourceRows.subarray(0, plan.filled).filter((row) => row >= 0);
    return rows.sort();
  }

  // The policy's loop over the batch's rows; the batch has been checked.
  private writeRows(batch: EpisodeBatch, count: number): void {
    this.counters.offered += count;
    switch (this.options.policy) {
      case 'reservoir':
        for (let row = 0; row < count; row++) this.writeReservoir(batch, row);
        break;
      case 'class-balanced':
      case 'importance': {
        // Kept up to date row by row, not recounted over every slot for each row: a 12,000-row write
        // into a full budget of 500 took 75 ms that way, 1 ms this way (measured).
        const shares: ClassShares = { counts: this.classCounts(), quotas: undefined };
        for (let row = 0; row < count; row++) this.writeBalanced(batch, row, shares);
        break;
      }
      case 'herding':
        this.countOffered(batch.labels, count);
        this.writeHerding(batch, count);
        break;
    }
  }

  // A memory in this one's state but for the stored inputs and logits (what a policy never reads).
  private copyWithoutExamples(): EpisodicMemory {
    const copy = new EpisodicMemory({ ...this.options, inputSize: 1, logitSize: 0 });
    copy.filled = this.filled;
    copy.labels.set(this.labels);
    copy.tasks.set(this.tasks);
    copy.importance.set(this.importance);
    copy.herdingRank.set(this.herdingRank);
    copy.classOffered.set(this.classOffered);
    Object.assign(copy.counters, this.counters);
    copy.random.reset(this.random.seed);
    return copy;
  }

  /**
   * `count` distinct stored examples, uniformly at random (seeded); copies. With `{ inputs: false }`
   * the same draw without a copy of the inputs (`inputs` empty): a training step that feeds them to
   * a network takes them as a tensor with {@link inputsOf}, straight from the memory.
   */
  sample(count: number, options: { inputs?: boolean } = {}): EpisodeSample {
    if (!Number.isInteger(count) || count < 1 || count > this.filled) {
      throw new MemoryError(
        'REPLAY_BATCH_TOO_LARGE',
        `Cannot replay ${describeValue(count)} examples from an episodic memory holding ${this.filled} (budget ${this.options.budget}); ` +
          `ask for 1 to ${this.filled} (e.g. Math.min(replayBatch, memory.size)), or raise the budget above the replay batch.`,
      );
    }
    const order = Int32Array.from({ length: this.filled }, (_, i) => i);
    for (let i = 0; i < count; i++) {
      const j = i + this.random.below(this.filled - i);
      const swap = order[i]!;
      order[i] = order[j]!;
      order[j] = swap;
    }
    const slots = order.slice(0, count);
    this.counters.samples++;
    this.counters.replayHits += count;
    return this.gather(slots, options.inputs ?? true);
  }

  /**
   * The stored inputs of `slots` (a sample's `slots`, or any filled slots), in that order, as a new
   * tensor [slots.length, inputSize] the caller owns; on wasm copied straight onto tfjs's heap.
   */
  inputsOf(slots: ArrayLike<number>): tf.Tensor2D {
    for (let index = 0; index < slots.length; index++) {
      const slot = slots[index]!;
      if (!Number.isInteger(slot) || slot < 0 || slot >= this.filled) {
        throw new MemoryError(
          'INVALID_OPTION',
          `inputsOf: slots[${index}] is ${describeValue(slot)}, but the memory holds ${this.filled} examples (slots 0 to ${this.filled - 1}); pass slots from a sample.`,
        );
      }
    }
    return gatherRows(this.inputs, [this.options.inputSize], slots) as tf.Tensor2D;
  }

  /** {@link sample} as tensors the caller owns. */
  sampleTensors(count: number): EpisodeTensors {
    const drawn = this.sample(count, { inputs: false });
    const { logitSize } = this.options;
    return {
      inputs: this.inputsOf(drawn.slots),
      labels: tf.tensor1d(drawn.labels, 'int32'),
      ...(logitSize > 0 ? { logits: tf.tensor2d(drawn.logits, [count, logitSize]) } : {}),
    };
  }

  /** Every stored example (copies), in slot order: class means (iCaRL), joint re-training, inspection. */
  contents(): EpisodeSample {
    return this.gather(Int32Array.from({ length: this.filled }, (_, i) => i));
  }

  /** Fill, per-class and per-task counts, and the write/replay counters. */
  stats(): EpisodicMemoryStats {
    const perTask: Record<number, number> = {};
    for (let slot = 0; slot < this.filled; slot++) perTask[this.tasks[slot]!] = (perTask[this.tasks[slot]!] ?? 0) + 1;
    return {
      budget: this.options.budget,
      size: this.filled,
      fill: this.filled / this.options.budget,
      perClass: this.classCounts(),
      perTask,
      ...this.counters,
    };
  }

  /** Options, the generator's position and the stored rows as typed arrays (copies); {@link fromState} restores it exactly. */
  toState(): EpisodicMemoryState {
    const { inputSize, logitSize } = this.options;
    const size = this.filled;
    return {
      format: EPISODIC_STATE_FORMAT,
      options: { ...this.options },
      size,
      random: this.random.seed,
      arrays: {
        inputs: this.inputs.slice(0, size * inputSize),
        labels: this.labels.slice(0, size),
        tasks: this.tasks.slice(0, size),
        logits: this.logits.slice(0, size * logitSize),
        importance: this.importance.slice(0, size),
        herdingRank: this.herdingRank.slice(0, size),
        classOffered: this.classOffered.slice(),
        counters: Float64Array.from(COUNTERS, (name) => this.counters[name]),
      },
    };
  }

  private gather(slots: Int32Array, withInputs = true): EpisodeSample {
    const { inputSize, logitSize } = this.options;
    const count = slots.length;
    const sample: EpisodeSample = {
      inputs: new Float32Array(withInputs ? count * inputSize : 0),
      labels: new Int32Array(count),
      tasks: new Int32Array(count),
      logits: new Float32Array(count * logitSize),
      slots,
    };
    slots.forEach((slot, row) => {
      if (withInputs) sample.inputs.set(this.inputs.subarray(slot * inputSize, (slot + 1) * inputSize), row * inputSize);
      sample.labels[row] = this.labels[slot]!;
      sample.tasks[row] = this.tasks[slot]!;
      if (logitSize > 0) sample.logits.set(this.logits.subarray(slot * logitSize, (slot + 1) * logitSize), row * logitSize);
    });
    return sample;
  }

  private classCounts(): number[] {
    const counts = new Array<number>(this.options.classCount).fill(0);
    for (let slot = 0; slot < this.filled; slot++) counts[this.labels[slot]!]!++;
    return counts;
  }

  private countOffered(labels: ArrayLike<number>, count: number): void {
    for (let row = 0; row < count; row++) this.classOffered[labels[row]!]!++;
  }

  // An equal share of the budget per class offered so far; the first classes (ascending) take the remainder.
  private quotas(): Int32Array {
    const seen: number[] = [];
    this.classOffered.forEach((offered, label) => offered > 0 && seen.push(label));
    const quotas = new Int32Array(this.options.classCount);
    const share = Math.floor(this.options.budget / seen.length);
    seen.forEach((label, rank) => (quotas[label] = share + (rank < this.options.budget % seen.length ? 1 : 0)));
    return quotas;
  }

  private writeReservoir(batch: EpisodeBatch, row: number): void {
    this.classOffered[batch.labels[row]!]!++;
    const offeredSoFar = this.counters.offered - (batch.labels.length - row - 1);
    if (this.filled < this.options.budget) {
      this.place(this.filled++, batch, row, 0);
      return;
    }
    const slot = this.random.below(offeredSoFar);
    if (slot < this.options.budget) this.replace(slot, batch, row, 0);
  }

  private writeBalanced(batch: EpisodeBatch, row: number, shares: ClassShares): void {
    const label = batch.labels[row]!;
    // A class offered for the first time changes every class's share.
    if (this.classOffered[label]!++ === 0) shares.quotas = undefined;
    const { counts } = shares;
    if (this.filled < this.options.budget) {
      this.place(this.filled++, batch, row, 0);
      counts[label]!++;
      return;
    }
    const quotas = (shares.quotas ??= this.quotas());
    const byImportance = this.options.policy === 'importance';
    if (counts[label]! < quotas[label]!) {
      // Under its share: take a slot from the class furthest over its own share.
      let victim = -1;
      counts.forEach((count, other) => {
        if (victim < 0 || count - quotas[other]! > counts[victim]! - quotas[victim]!) victim = other;
      });
      const slot = byImportance ? this.leastImportantSlot(victim) : this.randomSlotOf(victim, counts[victim]!);
      this.replace(slot, batch, row, 0);
      counts[victim]!--;
      counts[label]!++;
      return;
    }
    if (byImportance) {
      const slot = this.leastImportantSlot(label);
      if (batch.importance![row]! > this.importance[slot]!) this.replace(slot, batch, row, 0);
      return;
    }
    // At its share: a reservoir over this class's examples keeps each with equal probability.
    const position = this.random.below(this.classOffered[label]!);
    if (position < counts[label]!) this.replace(this.nthSlotOf(label, position), batch, row, 0);
  }

  private writeHerding(batch: EpisodeBatch, count: number): void {
    const featureSize = batch.featureSize!;
    const quotas = this.quotas();
    const incoming = [...new Set(Array.from({ length: count }, (_, row) => batch.labels[row]!))].sort((a, b) => a - b);
    // A class written again is chosen afresh from this batch; every other class keeps its first-chosen exemplars.
    this.dropSlots((slot) => incoming.includes(this.labels[slot]!) || this.herdingRank[slot]! >= quotas[this.labels[slot]!]!);
    for (const label of incoming) {
      const rows = Int32Array.from({ length: count }, (_, row) => row).filter((row) => batch.labels[row] === label);
      const features = new Float32Array(rows.length * featureSize);
      rows.forEach((row, index) =>
        features.set(batch.features!.subarray(row * featureSize, (row + 1) * featureSize), index * featureSize),
      );
      const order = herdingOrder(features, rows.length, featureSize, quotas[label]!);
      order.forEach((index, rank) => this.place(this.filled++, batch, rows[index]!, rank));
    }
  }

  // Removes the matching slots, moving the last stored rows into the holes.
  private dropSlots(drop: (slot: number) => boolean): void {
    for (let slot = this.filled - 1; slot >= 0; slot--) {
      if (!drop(slot)) continue;
      this.counters.evictions++;
      this.filled--;
      if (slot !== this.filled) this.copySlot(this.filled, slot);
    }
  }

  private copySlot(from: number, to: number): void {
    const { inputSize, logitSize } = this.options;
    this.inputs.copyWithin(to * inputSize, from * inputSize, (from + 1) * inputSize);
    this.logits.copyWithin(to * logitSize, from * logitSize, (from + 1) * logitSize);
    this.labels[to] = this.labels[from]!;
    this.tasks[to] = this.tasks[from]!;
    this.importance[to] = this.importance[from]!;
    this.herdingRank[to] = this.herdingRank[from]!;
  }

  private randomSlotOf(label: number, classCount: number): number {
    return this.nthSlotOf(label, this.random.below(classCount));
  }

  private nthSlotOf(label: number, position: number): number {
    let seen = 0;
    for (let slot = 0; slot < this.filled; slot++) {
      if (this.labels[slot] === label && seen++ === position) return slot;
    }
    throw new MemoryError(
      'STATE_MISMATCH',
      `Class ${label} has no stored example ${position}; the memory's counts are inconsistent.`,
    );
  }

  private leastImportantSlot(label: number): number {
    let best = -1;
    for (let slot = 0; slot < this.filled; slot++) {
      if (this.labels[slot] === label && (best < 0 || this.importance[slot]! < this.importance[best]!)) best = slot;
    }
    return best;
  }

  private replace(slot: number, batch: EpisodeBatch, row: number, rank: number): void {
    this.counters.evictions++;
    this.place(slot, batch, row, rank);
  }

  private place(slot: number, batch: EpisodeBatch, row: number, rank: number): void {
    const { inputSize, logitSize } = this.options;
    if (this.sourceRows) this.sourceRows[slot] = row;
    else this.inputs.set(batch.inputs.subarray(row * inputSize, (row + 1) * inputSize), slot * inputSize);
    if (logitSize > 0) this.logits.set(batch.logits!.subarray(row * logitSize, (row + 1) * logitSize), slot * logitSize);
    this.labels[slot] = batch.labels[row]!;
    this.tasks[slot] = batch.task;
    this.importance[slot] = batch.importance?.[row] ?? 0;
    this.herdingRank[slot] = rank;
    this.counters.stored++;
  }

  // Checks shapes, labels and the arrays the policy needs; returns the number of examples.
  private checkBatch(batch: EpisodeBatch): number {
    const { inputSize, logitSize, policy } = this.options;
    const fail = (message: string) => new MemoryError('EPISODE_SHAPE_MISMATCH', message);
    if (typeof batch !== 'object' || batch === null || !(batch.inputs instanceof Float32Array)) {
      throw fail('write needs { inputs: Float32Array [n × inputSize], labels: [n], task }.');
    }
    const count = batch.labels?.length ?? -1;
    if (count < 0 || batch.inputs.length !== count * inputSize) {
      throw fail(
        `inputs hold ${batch.inputs.length} values for ${count} labels; expected ${count} × inputSize ${inputSize} = ${count * inputSize}. ` +
          'Flatten each example to inputSize values.',
      );
    }
    if (!Number.isInteger(batch.task) || batch.task < 0) {
      throw fail(`task must be a task index (an integer >= 0), got ${describeValue(batch.task)}.`);
    }
    this.checkLabels(batch.labels);
    if (logitSize > 0 && batch.logits?.length !== count * logitSize) {
      throw fail(
        `This memory stores ${logitSize} logits per example: pass logits of ${count} × ${logitSize} values, got ${batch.logits?.length ?? 'none'}.`,
      );
    }
    if (policy === 'importance' && batch.importance?.length !== count) {
      throw fail(
        `The 'importance' policy needs importance [${count}] (e.g. the per-example loss), got ${batch.importance?.length ?? 'none'}.`,
      );
    }
    if (policy === 'herding') {
      const featureSize = batch.featureSize;
      if (!Number.isInteger(featureSize) || featureSize! < 1 || batch.features?.length !== count * featureSize!) {
        throw fail(
          `The 'herding' policy needs features [${count} × featureSize] and featureSize; got featureSize ${describeValue(featureSize)}.`,
        );
      }
    }
    return count;
  }

  // Every label a class of this memory; returns how many there are.
  private checkLabels(labels: ArrayLike<number>): number {
    const { classCount } = this.options;
    const count = labels?.length ?? -1;
    if (count < 0) throw new MemoryError('EPISODE_SHAPE_MISMATCH', 'labels must be an array of class indices, one per example.');
    for (let row = 0; row < count; row++) {
      const label = labels[row]!;
      if (!Number.isInteger(label) || label < 0 || label >= classCount) {
        throw new MemoryError(
          'LABEL_OUT_OF_RANGE',
          `Label ${describeValue(label)} of example ${row} is outside the classes [0, ${classCount}) this memory was made for; ` +
            `map labels to 0..${classCount - 1} or create the memory with a larger classCount.`,
        );
      }
    }
    return count;
  }
}
