import * as tf from '@tensorflow/tfjs-core';
import { memoryAttention, trackReadWeights, transposeMatrix } from '@holomind/tensor-kernels';
import { MemoryError } from './errors.js';
import { resolveMemoryOptions, type ExternalMemoryOptions, type ResolvedMemoryOptions } from './memory-options.js';
import {
  COUNTER_NAMES,
  MEMORY_STATE_FORMAT,
  validateMemoryState,
  type ExternalMemoryState,
  type MemoryArrays,
} from './memory-state.js';
import { planEviction, planWrite } from './slot-selection.js';
import { attentionRead, buildReadLayout, disposeReadLayout, type ReadLayout } from './attention-read.js';

// Backends whose dataSync copies from memory the process owns, with no GPU round trip.
const SYNCHRONOUS_READS = new Set(['wasm', 'cpu', 'tensorflow']);

/** Options of {@link ExternalMemory.read}. */
export interface ReadOptions {
  /** Update usage, the read and hit counters from this read's attention weights. Default true. */
  track?: boolean;
  /**
   * Which ops read a non-trainable memory off WebGPU: `fused` (default) one custom-gradient op over
   * keys and values laid out once per write (plain products only, see the package README), or
   * `composite`: `memoryAttention`'s composite ops, the reference. WebGPU and trainable memories
   * always use `memoryAttention`.
   */
  kernels?: 'fused' | 'composite';
}

/** Options of {@link ExternalMemory.write}. */
export interface WriteOptions {
  /** Values to store, [N, heads·valueSize] or [N, heads, valueSize]. Default: the keys themselves (needs valueSize = keySize). */
  values?: tf.Tensor;
}

/** What one {@link ExternalMemory.write} did. */
export interface WriteResult {
  /** Slot of each written item, in item order; -1 for items not written. */
  slots: number[];
  written: number;
  /** Items below the importance threshold. */
  skipped: number;
  /** Items above the threshold that found no slot they could take. */
  rejected: number;
  /** Written items that overwrote a filled slot. */
  replaced: number;
}

/** What one {@link ExternalMemory.cleanup} did. */
export interface CleanupResult {
  evicted: number;
  /** Filled slots after the cleanup. */
  filled: number;
}

/** One read or write, as {@link ExternalMemory.observe} reports it. */
export interface MemoryOperation {
  kind: 'read' | 'write';
  /** Query rows read, or items written (stored). */
  items: number;
  /** Wall time of the call (on asynchronous backends: the time to dispatch its work). */
  seconds: number;
}

/** Counters and sizes of an {@link ExternalMemory}. */
export interface MemoryStats {
  slots: number;
  filled: number;
  /** filled / slots. */
  utilisation: number;
  /** Queries read (rows, not calls). */
  reads: number;
  /** Items written. */
  writes: number;
  skippedWrites: number;
  rejectedWrites: number;
  /** Writes that overwrote a filled slot. */
  replacements: number;
  /** Slots emptied by cleanup. */
  evictions: number;
  /** Queries whose largest attention weight (mean over heads) reached `hitThreshold`. */
  hits: number;
  /** hits / reads; 0 before the first read. */
  hitRate: number;
  /** Mean usage over filled slots. */
  meanUsage: number;
  /** Bytes held: keys, values, usage, mask and counters on the backend plus the host-side bookkeeping. */
  bytes: number;
}

/**
 * An external memory of `slots` key/value rows, read by attention (`memoryAttention` from
 * @holomind/tensor-kernels) and written by importance, after the Memory-Augmented Neural Networks
 * of Santoro et al. 2016: usage decays by γ at every read and write call and grows by each slot's
 * read and write weights; a full memory overwrites its least-used (or least important) slot.
 *
 * @example
 * ```ts
 * const memory = new ExternalMemory({ slots: 256, keySize: 32, heads: 2 });
 * memory.write(features, importance);            // features [N, 64], importance [N]
 * const read = memory.read(query);               // query [B, 64] -> [B, 64]
 * console.log(memory.stats().hitRate);
 * const restored = ExternalMemory.fromState(memory.toState());
 * ```
 */
export class ExternalMemory {
  /** The options with every default filled in. */
  readonly options: ResolvedMemoryOptions;
  private readonly keys: tf.Variable<tf.Rank.R3>; // [M, H, d]
  private readonly values: tf.Variable<tf.Rank.R3>; // [M, H, dv]
  private readonly usage: tf.Variable<tf.Rank.R1>; // [M], on the backend so reads never wait for the host
  private readonly hits: tf.Variable<tf.Rank.R0>; // int32 counter, on the backend for the same reason
  private mask: tf.Tensor1D; // [M] float32 copy of `filled`
  private readonly filled: Float32Array;
  private readonly importance: Float32Array;
  private readonly counters = { reads: 0, writes: 0, skippedWrites: 0, rejectedWrites: 0, replacements: 0, evictions: 0 };
  private full = false;
  private filledSlots = 0;
  // Whether the values variable holds exactly the keys (as after writes that store the keys as
  // values, the common case): a write then scatters once and both variables share the result.
  private valuesEqualKeys = true;
  private disposed = false;
  private observers: Array<(operation: MemoryOperation) => void> = [];
  // What the fused read needs of keys and values, built at the first read after they change.
  private layout: ReadLayout | undefined;

  constructor(options: ExternalMemoryOptions) {
    this.options = resolveMemoryOptions(options);
    const { slots, heads, keySize, valueSize, trainable } = this.options;
    // Inside tidy: a variable shares its initial tensor's data, and that tensor would otherwise stay counted.
    this.keys = tf.tidy(() => tf.variable(tf.zeros([slots, heads, keySize]), trainable));
    this.values = tf.tidy(() => tf.variable(tf.zeros([slots, heads, valueSize]), trainable));
    this.usage = tf.tidy(() => tf.variable(tf.zeros([slots]), false));
    this.hits = tf.tidy(() => tf.variable(tf.scalar(0, 'int32'), false, undefined, 'int32'));
    this.filled = new Float32Array(slots);
    this.importance = new Float32Array(slots);
    this.mask = tf.tensor1d(this.filled);
  }

  /** Rebuilds a memory exactly as {@link toState} recorded it. */
  static fromState(state: ExternalMemoryState): ExternalMemory {
    validateMemoryState(state);
    const memory = new ExternalMemory(state.options);
    memory.load(state.arrays);
    return memory;
  }

  /**
   * A separate memory holding what this one holds now (keys, values, filled slots, usage, importance,
   * counters), for a reader that must keep seeing it while this one is written: a frozen progressive
   * column reads the memory it was trained with. No host read (WebGPU in Node included) and no copy
   * until one side writes. The caller owns and disposes it.
   */
  snapshot(): ExternalMemory {
    this.assertLive();
    const copy = new ExternalMemory(this.options);
    // The same tensors: every change to either memory replaces its tensors (`scatterRows` keeps that
    // true on cpu too), so sharing them copies nothing until one side writes.
    copy.keys.assign(this.keys);
    copy.values.assign(this.values);
    copy.usage.assign(this.usage);
    copy.hits.assign(this.hits);
    copy.filled.set(this.filled);
    copy.importance.set(this.importance);
    Object.assign(copy.counters, this.counters);
    copy.valuesEqualKeys = this.valuesEqualKeys;
    copy.refreshMask();
    return copy;
  }

  /** Width of a query row: heads · keySize. */
  get queryWidth(): number {
    return this.options.heads * this.options.keySize;
  }

  /** Width of a read row: heads · valueSize. */
  get valueWidth(): number {
    return this.options.heads * this.options.valueSize;
  }

  /** The keys and values when the memory is `trainable`, else none: what an optimizer may update. */
  trainableVariables(): tf.Variable[] {
    this.assertLive();
    return this.options.trainable ? [this.keys, this.values] : [];
  }

  /**
   * Reads the memory: per head, softmax over filled slots of similarity(query, key), times the
   * values. Empty memory reads zeros. Differentiable with respect to the query (and to keys and
   * values when trainable). The caller owns the result.
   * @param query [B, heads·keySize] or [B, heads, keySize]
   * @returns [B, heads·valueSize] or [B, heads, valueSize], matching the query's rank
   */
  read<T extends tf.Tensor2D | tf.Tensor3D>(query: T, options: ReadOptions = {}): T {
    if (this.observers.length === 0) return this.readUnobserved(query, options);
    const started = performance.now();
    const result = this.readUnobserved(query, options);
    this.notify({ kind: 'read', items: query.shape[0]!, seconds: (performance.now() - started) / 1000 });
    return result;
  }

  /**
   * Calls `listener` after every read and write with its kind, row count and wall time (for a
   * performance monitor); returns the function that stops it. Nothing is timed while none listens.
   */
  observe(listener: (operation: MemoryOperation) => void): () => void {
    this.observers.push(listener);
    return () => {
      this.observers = this.observers.filter((one) => one !== listener);
    };
  }

  private notify(operation: MemoryOperation): void {
    for (const listener of this.observers) listener(operation);
  }

  private readUnobserved<T extends tf.Tensor2D | tf.Tensor3D>(query: T, options: ReadOptions): T {
    this.assertLive();
    const track = options.track ?? true;
    const { heads, valueSize, similarity, beta } = this.options;
    const batch = this.checkRows('query', query, this.options.keySize, 'QUERY_SHAPE_MISMATCH');
    if (this.filledSlots === 0) return this.readEmpty(query, batch, track);
    const result = tf.tidy(() => {
      if (this.useFusedRead(options)) return this.fusedRead(query, batch, track);
      const query3d = tf.reshape(query, [batch, heads, this.options.keySize]) as tf.Tensor3D;
      const { output, weights } = memoryAttention(query3d, this.keysForRead(), this.values, {
        // A full memory needs no mask, and the masked softmax costs about twice the plain one.
        similarity,
        beta,
        mask: this.full ? undefined : this.mask,
        returnWeights: track,
      });
      if (weights) this.track(weights);
      return query.rank === 2 ? tf.reshape(output, [batch, heads * valueSize]) : output;
    });
    if (track) this.counters.reads += batch;
    return result as T;
  }

  /**
   * Writes items whose importance reaches `importanceThreshold`, most important first, into empty
   * slots, then over the least-used (or least important) ones. Synchronous: it reads usage back
   * with `dataSync`, which tfjs-backend-webgpu serves through an `OffscreenCanvas` (absent in Node);
   * there, and wherever the caller must not block, use {@link writeAsync}.
   * @param keys [N, heads·keySize] or [N, heads, keySize]
   * @param importance [N], one finite number per item
   */
  write(keys: tf.Tensor, importance: ArrayLike<number> | tf.Tensor1D, options: WriteOptions = {}): WriteResult {
    const started = this.startTiming();
    const items = this.checkWrite(keys, options);
    const values = importance instanceof tf.Tensor ? importance.dataSync() : importance;
    const result = this.commitWrite(keys, items, this.importanceArray(importance, values, items), this.usage.dataSync(), options);
    this.notifyWrite(result, started);
    return result;
  }

  /**
   * {@link write}, reading usage (and a tensor `importance`) back asynchronously: the same slots
   * and the same memory afterwards, on every backend, WebGPU in Node included. `keys`, `importance`
   * and `values` must stay alive until it resolves, and nothing else may write meanwhile.
   */
  async writeAsync(
    keys: tf.Tensor,
    importance: ArrayLike<number> | tf.Tensor1D,
    options: WriteOptions = {},
  ): Promise<WriteResult> {
    // Where a synchronous read is a plain copy, awaiting two reads only adds ~40 µs a write (measured on wasm).
    if (SYNCHRONOUS_READS.has(tf.getBackend())) return this.write(keys, importance, options);
    const started = this.startTiming();
    const items = this.checkWrite(keys, options);
    const [values, usage] = await Promise.all([
      importance instanceof tf.Tensor ? importance.data() : importance,
      this.usage.data() as Promise<Float32Array>,
    ]);
    this.assertLive();
    const result = this.commitWrite(keys, items, this.importanceArray(importance, values, items), usage, options);
    this.notifyWrite(result, started);
    return result;
  }

  // The clock is read only while someone listens: a write is ~60 µs, and each reading costs a few.
  private startTiming(): number {
    return this.observers.length > 0 ? performance.now() : 0;
  }

  private notifyWrite(result: WriteResult, started: number): void {
    if (this.observers.length > 0)
      this.notify({ kind: 'write', items: result.written, seconds: (performance.now() - started) / 1000 });
  }

  // The number of items to write, after checking keys and values against the memory's shape.
  private checkWrite(keys: tf.Tensor, options: WriteOptions): number {
    this.assertLive();
    const { valueSize, keySize, heads } = this.options;
    const items = this.checkRows('keys', keys, keySize, 'WRITE_SHAPE_MISMATCH');
    if (options.values === undefined) {
      if (valueSize !== keySize) {
        throw new MemoryError(
          'WRITE_SHAPE_MISMATCH',
          `write() stores the keys as values only when valueSize equals keySize (${valueSize} ≠ ${keySize}); pass { values } of width ${heads * valueSize}.`,
        );
      }
      return items;
    }
    const valueItems = this.checkRows('values', options.values, valueSize, 'WRITE_SHAPE_MISMATCH');
    if (valueItems !== items) {
      throw new MemoryError(
        'WRITE_SHAPE_MISMATCH',
        `values has ${valueItems} rows but keys has ${items}; write one value per key.`,
      );
    }
    return items;
  }

  // Plans the slots from usage (read back by the caller) and stores the items.
  private commitWrite(
    keys: tf.Tensor,
    items: number,
    itemImportance: Float32Array,
    currentUsage: ArrayLike<number>,
    options: WriteOptions,
  ): WriteResult {
    const { slots, heads, keySize, valueSize, usageDecay } = this.options;
    const values = options.values ?? keys;
    const usage = Float32Array.from(currentUsage);
    const plan = planWrite(
      { filled: this.filled, usage, importance: this.importance },
      itemImportance,
      this.options.importanceThreshold,
      this.options.writePolicy,
    );
    for (let slot = 0; slot < slots; slot++) usage[slot] = usageDecay * usage[slot]!;
    const slotOfItem: number[] = new Array<number>(items).fill(-1);
    let replaced = 0;
    let filledEmpty = false;
    const written = plan.assignments.length;
    if (written > 0) {
      const targetSlots = new Int32Array(written);
      const sourceRows = new Int32Array(written);
      plan.assignments.forEach(({ item, slot, replaced: overwrote }, index) => {
        targetSlots[index] = slot;
        sourceRows[index] = item;
        slotOfItem[item] = slot;
        if (overwrote) replaced++;
        else filledEmpty = true;
        usage[slot] = usage[slot]! + 1; // the write weight of Santoro et al.'s usage update
        this.filled[slot] = 1;
        this.importance[slot] = itemImportance[item]!;
      });
      // When every item is written (a training step's write, as a rule) the rows go to their slots as
      // they are: on wasm a gather of 128 rows costs ~12x the scatter (0.19 against 0.016 ms, measured).
      const everyItem = written === items;
      const mirrorKeys = values === keys && this.valuesEqualKeys && !this.options.trainable;
      this.valuesEqualKeys = mirrorKeys;
      tf.tidy(() => {
        const indices = everyItem
          ? tf.tensor2d(Int32Array.from(slotOfItem), [items, 1], 'int32')
          : tf.tensor2d(targetSlots, [written, 1], 'int32');
        const rows = everyItem ? undefined : tf.tensor1d(sourceRows, 'int32');
        const select = (x: tf.Tensor, width: number) => {
          const byItem = tf.reshape(x, [items, heads, width]);
          return rows ? tf.gather(byItem, rows) : byItem;
        };
        const newKeys = select(keys, keySize);
        const newValues = values === keys ? newKeys : select(values, valueSize);
        const updatedKeys = scatterRows(this.keys, indices, newKeys);
        this.keys.assign(updatedKeys);
        // Two variables may share one tensor's memory: tensors are never changed in place (see
        // scatterRows), and a non-trainable memory's variables are only ever replaced (assign).
        this.values.assign(mirrorKeys ? updatedKeys : scatterRows(this.values, indices, newValues));
      });
      // Overwrites leave the mask as it was; the read's layout is rebuilt either way.
      if (filledEmpty) this.refreshMask();
      else this.invalidateLayout();
    }
    this.setUsage(usage);
    this.counters.writes += written;
    this.counters.skippedWrites += plan.skipped;
    this.counters.rejectedWrites += plan.rejected;
    this.counters.replacements += replaced;
    return { slots: slotOfItem, written: plan.assignments.length, skipped: plan.skipped, rejected: plan.rejected, replaced };
  }

  /**
   * Decays usage and importance by `cleanupDecay`, then empties (and zeroes) the slots whose score
   * — usage, or importance under `least-important` — is below `evictBelow`, keeping at least
   * `minKeepFraction` of the filled slots.
   */
  cleanup(): CleanupResult {
    this.assertLive();
    const { slots, cleanupDecay, evictBelow, minKeepFraction, writePolicy } = this.options;
    const usage = this.usage.dataSync().slice() as Float32Array;
    for (let slot = 0; slot < slots; slot++) {
      usage[slot] = cleanupDecay * usage[slot]!;
      this.importance[slot] = cleanupDecay * this.importance[slot]!;
    }
    const score = writePolicy === 'least-used' ? usage : this.importance;
    const evicted = planEviction(this.filled, score, evictBelow, minKeepFraction);
    if (evicted.length > 0) {
      for (const slot of evicted) {
        this.filled[slot] = 0;
        usage[slot] = 0;
        this.importance[slot] = 0;
      }
      tf.tidy(() => {
        // Empty slots hold zeros, so a state after cleanup equals one that never held them.
        const indices = tf.tensor2d(evicted, [evicted.length, 1], 'int32');
        const { heads, keySize, valueSize } = this.options;
        this.keys.assign(scatterRows(this.keys, indices, tf.zeros([evicted.length, heads, keySize])));
        this.values.assign(scatterRows(this.values, indices, tf.zeros([evicted.length, heads, valueSize])));
      });
      this.refreshMask();
    }
    this.setUsage(usage);
    this.counters.evictions += evicted.length;
    return { evicted: evicted.length, filled: this.filledCount() };
  }

  /** Counters and sizes; reads the usage and hit counter back from the backend. */
  stats(): MemoryStats {
    this.assertLive();
    const { slots, heads, keySize, valueSize } = this.options;
    const filled = this.filledCount();
    const usage = this.usage.dataSync();
    let usageOfFilled = 0;
    for (let slot = 0; slot < slots; slot++) if (this.filled[slot] !== 0) usageOfFilled += usage[slot]!;
    const hits = this.hits.dataSync()[0]!;
    const { reads } = this.counters;
    const backendFloats = slots * heads * (keySize + valueSize) + 2 * slots + 1;
    const hostFloats = 2 * slots;
    return {
      slots,
      filled,
      utilisation: filled / slots,
      ...this.counters,
      hits,
      hitRate: reads === 0 ? 0 : hits / reads,
      meanUsage: filled === 0 ? 0 : usageOfFilled / filled,
      bytes: 4 * (backendFloats + hostFloats),
    };
  }

  /** The whole memory as JSON options plus named typed arrays (copies); {@link fromState} restores it bit for bit. */
  toState(): ExternalMemoryState {
    this.assertLive();
    const counters = new Float64Array(COUNTER_NAMES.length);
    COUNTER_NAMES.forEach((name, index) => {
      counters[index] = name === 'hits' ? this.hits.dataSync()[0]! : this.counters[name];
    });
    return {
      format: MEMORY_STATE_FORMAT,
      options: { ...this.options },
      arrays: {
        keys: Float32Array.from(this.keys.dataSync()),
        values: Float32Array.from(this.values.dataSync()),
        mask: Float32Array.from(this.filled),
        usage: Float32Array.from(this.usage.dataSync()),
        importance: Float32Array.from(this.importance),
        counters,
      },
    };
  }

  /** Releases every tensor; the memory is unusable afterwards. */
  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    this.invalidateLayout();
    tf.dispose([this.keys, this.values, this.usage, this.hits, this.mask]);
  }

  // An empty memory reads zeros without attention: memoryAttention's gradient with every slot
  // masked is NaN (its softmax denominator is clamped at 1e-30, whose square underflows float32).
  // Usage needs no decay here: empty slots always have usage 0.
  private readEmpty<T extends tf.Tensor2D | tf.Tensor3D>(query: T, batch: number, track: boolean): T {
    const { heads, valueSize } = this.options;
    if (track) this.counters.reads += batch;
    return tf.zeros(query.rank === 2 ? [batch, heads * valueSize] : [batch, heads, valueSize]) as T;
  }

  private load(arrays: MemoryArrays): void {
    const { slots, heads, keySize, valueSize } = this.options;
    tf.tidy(() => {
      this.keys.assign(tf.tensor3d(arrays.keys, [slots, heads, keySize]));
      this.values.assign(tf.tensor3d(arrays.values, [slots, heads, valueSize]));
      this.hits.assign(tf.scalar(arrays.counters[COUNTER_NAMES.indexOf('hits')]!, 'int32'));
    });
    this.valuesEqualKeys = sameBits(arrays.keys, arrays.values);
    this.filled.set(arrays.mask);
    this.importance.set(arrays.importance);
    this.setUsage(arrays.usage);
    this.refreshMask();
    COUNTER_NAMES.forEach((name, index) => {
      if (name !== 'hits') this.counters[name] = arrays.counters[index]!;
    });
  }

  // weights [B, H, M] (or [B, M] from a one-head fused read): usage ← γ·usage + Σ_b mean_h w (the
  // read weights of Santoro et al.), and hits.
  private track(weights: tf.Tensor2D | tf.Tensor3D): void {
    const { heads, usageDecay, hitThreshold } = this.options;
    const slots = weights.shape[weights.rank - 1]!;
    const rows = weights.size / slots;
    const byRow = (weights.rank === 2 ? weights : tf.reshape(weights, [rows, slots])) as tf.Tensor2D;
    if (heads === 1) {
      // One pass over the weights on wasm (tensor-kernels' trackReadWeights), else its tfjs ops.
      const tracked = trackReadWeights(this.usage, this.hits, byRow, usageDecay, hitThreshold);
      this.usage.assign(tracked.usage);
      this.hits.assign(tracked.hits);
      return;
    }
    // Σ_b mean_h w as a sum over the last axis of the transpose: tfjs-backend-wasm sums over a leading
    // axis through its slow transpose of 128·k rows, and a product with a row of 1/H packs w anew
    // (measured on [128, 256], one wasm thread: 92 µs against 60 µs; the same sums, bit for bit).
    const readWeight = tf.sum(transposeMatrix(tf.mul(byRow, 1 / heads) as tf.Tensor2D), 1);
    this.usage.assign(tf.add(tf.mul(this.usage, usageDecay), readWeight));
    const sharpest = tf.mean(tf.max(weights, 2), 1); // [B]
    this.hits.assign(tf.add(this.hits, tf.sum(tf.cast(tf.greaterEqual(sharpest, hitThreshold), 'int32'))));
  }

  private checkRows(
    name: string,
    tensor: tf.Tensor,
    widthPerHead: number,
    code: 'QUERY_SHAPE_MISMATCH' | 'WRITE_SHAPE_MISMATCH',
  ): number {
    const { heads } = this.options;
    const expected = `[batch, ${heads * widthPerHead}] (heads · size = ${heads} · ${widthPerHead}) or [batch, ${heads}, ${widthPerHead}]`;
    if (!(tensor instanceof tf.Tensor)) {
      throw new MemoryError(code, `Memory ${name} must be a float32 tensor of shape ${expected}, got ${typeof tensor}.`);
    }
    const fits =
      (tensor.rank === 2 && tensor.shape[1] === heads * widthPerHead) ||
      (tensor.rank === 3 && tensor.shape[1] === heads && tensor.shape[2] === widthPerHead);
    if (!fits) {
      throw new MemoryError(
        code,
        `Memory ${name} must have shape ${expected}, got [${tensor.shape.join(', ')}]; ` +
          `project it to ${heads * widthPerHead} features or build the memory with that width.`,
      );
    }
    if (tensor.dtype !== 'float32') {
      throw new MemoryError(
        code,
        `Memory ${name} must be float32, got ${tensor.dtype}; convert it with tf.cast(${name}, 'float32').`,
      );
    }
    return tensor.shape[0];
  }

  // `values`: the importance's numbers (read back by the caller when it is a tensor).
  private importanceArray(importance: ArrayLike<number> | tf.Tensor1D, values: ArrayLike<number>, items: number): Float32Array {
    if (values.length !== items || (importance instanceof tf.Tensor && importance.rank !== 1)) {
      throw new MemoryError(
        'INVALID_IMPORTANCE',
        `importance must hold one number per written row (${items}), got ${values.length}.`,
      );
    }
    const result = Float32Array.from(values);
    const bad = result.findIndex((value) => !Number.isFinite(value));
    if (bad >= 0) {
      throw new MemoryError(
        'INVALID_IMPORTANCE',
        `importance[${bad}] is ${result[bad]}; every importance must be a finite number.`,
      );
    }
    return result;
  }

  // cosine normalises every key, and the gradient of a zero key's norm is 0/0 = NaN even where the
  // mask zeroes its weight; trainable memories therefore show empty rows to the kernel as ones.
  // The read is unchanged: masked slots get weight exactly 0 whatever their key.
  private keysForRead(): tf.Tensor3D {
    if (!this.options.trainable || this.options.similarity !== 'cosine' || this.full) return this.keys;
    const filled = tf.reshape(tf.greater(this.mask, 0), [this.options.slots, 1, 1]);
    return tf.where(filled, this.keys, tf.onesLike(this.keys)) as tf.Tensor3D;
  }

  // The fused read differentiates the query only, and WebGPU has memoryAttention's own kernels.
  private useFusedRead(options: ReadOptions): boolean {
    return (options.kernels ?? 'fused') === 'fused' && !this.options.trainable && tf.getBackend() !== 'webgpu';
  }

  // One head reads [B, d] rows as they come (its layout is 2-D), more heads [B, H, d]. Usage and hits
  // are tracked inside the read's op, where no gradient is recorded.
  private fusedRead<T extends tf.Tensor2D | tf.Tensor3D>(query: T, batch: number, track: boolean): T {
    const { similarity, beta, heads, keySize, valueSize } = this.options;
    const scale = similarity === 'cosine' ? beta : 1 / Math.sqrt(keySize);
    const layoutOf = () =>
      (this.layout ??= buildReadLayout(this.keys, this.values, this.mask, similarity === 'cosine', this.full, scale));
    const rank = heads === 1 ? 2 : 3;
    const input = query.rank === rank ? query : tf.reshape(query, rank === 2 ? [batch, keySize] : [batch, heads, keySize]);
    const output = attentionRead(input as tf.Tensor2D | tf.Tensor3D, layoutOf, {
      cosine: similarity === 'cosine',
      ...(track ? { onWeights: (weights: tf.Tensor2D | tf.Tensor3D) => this.track(weights) } : {}),
    });
    if (output.rank === query.rank) return output as T;
    return tf.reshape(output, query.rank === 2 ? [batch, heads * valueSize] : [batch, heads, valueSize]) as T;
  }

  // Keys, values or the mask changed: the fused read's layout is rebuilt at the next read.
  private invalidateLayout(): void {
    disposeReadLayout(this.layout);
    this.layout = undefined;
  }

  private setUsage(usage: Float32Array): void {
    tf.tidy(() => this.usage.assign(tf.tensor1d(usage)));
  }

  private refreshMask(): void {
    this.invalidateLayout();
    this.mask.dispose();
    this.mask = tf.tensor1d(this.filled);
    this.filledSlots = this.filledCount();
    this.full = this.filledSlots === this.options.slots;
  }

  private filledCount(): number {
    let count = 0;
    for (const flag of this.filled) count += flag;
    return count;
  }

  private assertLive(): void {
    if (this.disposed)
      throw new MemoryError(
        'DISPOSED',
        'This ExternalMemory was disposed; create a new one or restore it with ExternalMemory.fromState(state).',
      );
  }
}

// Whether two float arrays hold the same numbers, bit for bit.
/**
 * `tf.tensorScatterUpdate` that leaves `target` as it was on every backend: tfjs-backend-cpu 4.22's
 * fills its output in its input's buffer, which would change every tensor sharing that buffer (the
 * values mirroring the keys, a snapshot). There the scatter starts from a copy (a product by 1: the
 * same bits, −0 and infinities included); cpu is the reference backend, not the fast one.
 */
function scatterRows(target: tf.Tensor3D, indices: tf.Tensor2D, rows: tf.Tensor): tf.Tensor3D {
  const base = tf.getBackend() === 'cpu' ? tf.mul<tf.Tensor3D>(target, 1) : target;
  return tf.tensorScatterUpdate(base, indices, rows);
}

function sameBits(a: Float32Array, b: Float32Array): boolean {
  if (a.length !== b.length) return false;
  const [left, right] = [new Uint32Array(a.buffer, a.byteOffset, a.length), new Uint32Array(b.buffer, b.byteOffset, b.length)];
  for (let index = 0; index < left.length; index++) if (left[index] !== right[index]) return false;
  return true;
}
