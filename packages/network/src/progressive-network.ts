import * as tf from '@tensorflow/tfjs-core';
import { SeededRandom, describeValue } from '@holomind/core';
import { ExternalMemory, type ExternalMemoryState } from '@holomind/memory';
import { checkActivation } from './activations.js';
import { NetworkError } from './errors.js';
import { FeatureExtractor } from './feature-extractor.js';
import {
  resolveNetworkOptions,
  type AddTaskOptions,
  type ProgressiveNetworkOptions,
  type ResolvedNetworkOptions,
} from './network-options.js';
import {
  NETWORK_STATE_FORMAT,
  type ColumnRecord,
  type NetworkDescription,
  type ProgressiveNetworkState,
} from './network-state.js';
import { dropoutRate, layerWidths, validate } from './option-checks.js';
import { ParameterStore } from './parameters.js';
import type { KernelRoute } from './layers/dense-op.js';
import { resolveTaskData, type TaskTrainingData } from './task-data.js';
import { TaskColumn, type TaskColumnOptions } from './task-column.js';
import {
  resolveTrainOptions,
  type ResolvedTrainOptions,
  type TaskData,
  type TrainOptions,
  type TrainResult,
} from './training-options.js';
import {
  Inputs,
  TrainingSession,
  perExampleCrossEntropy,
  type RunOverrides,
  type TrainingSessionState,
} from './training-session.js';

/** Options of {@link ProgressiveNetwork.fromState}. */
export interface FromStateOptions {
  /** Memory to attach instead of rebuilding the one saved in the state. */
  memory?: ExternalMemory;
}

/** Options of {@link ProgressiveNetwork.evaluate}. */
export interface EvaluateOptions {
  /** Examples per forward pass. Default 256. */
  batchSize?: number;
}

/** Accuracy and mean cross-entropy of one task's data. */
export interface Evaluation {
  taskId: string;
  examples: number;
  accuracy: number;
  loss: number;
}

/**
 * A Progressive Neural Network (Rusu et al. 2016) over a shared feature extractor: one column per
 * task, each reading every earlier column through lateral adapters; adding a task freezes every
 * earlier column (and, by default, the extractor), so earlier tasks' outputs never change. An
 * attached {@link ExternalMemory} is read by every column and written while training.
 *
 * @example
 * ```ts
 * const network = new ProgressiveNetwork({ inputShape: [784], extractor: { kind: 'mlp', hiddenSizes: [128] } });
 * network.addTask('digits-0-1', { outputSize: 2 });
 * await network.train({ taskId: 'digits-0-1', inputs, labels }, { epochs: 3, batchSize: 32 });
 * network.addTask('digits-2-3', { outputSize: 2 }); // freezes the first column and the extractor
 * const logits = network.forward(testInputs, 'digits-0-1'); // [N, 2]
 * const state = network.toState(); // ProgressiveNetwork.fromState(state) rebuilds it exactly
 * ```
 */
export class ProgressiveNetwork {
  readonly options: ResolvedNetworkOptions;
  readonly extractor: FeatureExtractor;
  readonly memory: ExternalMemory | undefined;
  private readonly columnList: TaskColumn[] = [];
  private readonly parameters: ParameterStore;
  private initRandom: SeededRandom;
  private trainRandom: SeededRandom;
  private session: TrainingSession | undefined;
  private ownsMemory = false;
  // A frozen column's copy of the memory as it was when the column froze, by task id: later tasks
  // write the shared memory, and a column that read it would drift (not truly frozen).
  private readonly frozenMemories = new Map<string, ExternalMemory>();
  // Off only for a network restored from a state saved before frozen columns kept their memory.
  private snapshotsFrozenMemory = true;
  private disposed = false;

  constructor(options: ProgressiveNetworkOptions) {
    this.options = resolveNetworkOptions(options);
    if (options.memory !== undefined && !(options.memory instanceof ExternalMemory)) {
      throw new NetworkError('INVALID_OPTION', 'memory must be an ExternalMemory from @holomind/memory.');
    }
    this.memory = options.memory;
    this.initRandom = new SeededRandom(this.options.seed);
    this.trainRandom = new SeededRandom(this.options.seed ^ 0x5bd1e995);
    this.parameters = new ParameterStore(this.initRandom);
    this.extractor = new FeatureExtractor(this.options.inputShape, this.options.extractor, this.parameters);
  }

  /**
   * Rebuilds a network exactly as {@link toState} recorded it: architecture, frozen flags, every
   * parameter bit for bit, random streams, and the memory (unless `options.memory` replaces it).
   */
  static fromState(state: ProgressiveNetworkState, options: FromStateOptions = {}): ProgressiveNetwork {
    if (state?.format !== NETWORK_STATE_FORMAT) {
      throw new NetworkError(
        'STATE_MISMATCH',
        `Network state format must be '${NETWORK_STATE_FORMAT}', got '${String(state?.format)}'.`,
      );
    }
    const { config } = state;
    let memory = options.memory;
    const ownsMemory = memory === undefined && state.memory !== undefined;
    if (ownsMemory) memory = ExternalMemory.fromState(state.memory!);
    if (config.withMemory && memory === undefined) {
      throw new NetworkError(
        'STATE_MISMATCH',
        'This state was saved with a memory attached but holds no memory state; pass { memory } to fromState.',
      );
    }
    const network = new ProgressiveNetwork({ ...config.options, memory: config.withMemory ? memory : undefined });
    network.ownsMemory = ownsMemory;
    try {
      // The columns come back frozen with the copies they were saved with, not copies of today's memory.
      network.snapshotsFrozenMemory = false;
      for (const { taskId, ...columnOptions } of config.tasks) network.addTask(taskId, columnOptions);
      if (config.extractorFrozen) network.extractor.freeze();
      network.parameters.load(state.arrays);
      network.snapshotsFrozenMemory = config.memorySnapshots === true;
      network.restoreFrozenMemories(state.frozenMemories ?? {});
    } catch (error) {
      network.dispose();
      throw error;
    }
    network.initRandom.reset(config.random.init);
    network.trainRandom.reset(config.random.training);
    return network;
  }

  /** Task ids, in column order. */
  get taskIds(): string[] {
    return this.columnList.map((column) => column.taskId);
  }

  /** The columns, in task order. */
  get columns(): readonly TaskColumn[] {
    return this.columnList;
  }

  /**
   * Adds a column for `taskId` with lateral adapters from every existing column, and freezes the
   * existing columns (and the extractor under `freezeExtractor: 'after-first-task'`).
   */
  addTask(taskId: string, options: AddTaskOptions): TaskColumn {
    this.assertLive();
    if (typeof taskId !== 'string' || taskId === '') {
      throw new NetworkError('INVALID_OPTION', `taskId must be a non-empty string, got ${JSON.stringify(taskId)}.`);
    }
    if (this.columnList.some((column) => column.taskId === taskId)) {
      throw new NetworkError(
        'DUPLICATE_TASK',
        `Task '${taskId}' already has column ${this.columnIndex(taskId)}; choose another id.`,
      );
    }
    if (this.columnList.length >= this.options.maxColumns) {
      throw new NetworkError(
        'MAX_COLUMNS_REACHED',
        `Cannot add task '${taskId}': the network already has ${this.columnList.length} columns, its maxColumns ` +
          `(${this.taskIds.map((id) => `'${id}'`).join(', ')}). Create the network with a larger maxColumns.`,
      );
    }
    const columnOptions = this.resolveColumnOptions(taskId, options);
    const memoryWidths = this.memory ? { query: this.memory.queryWidth, read: this.memory.valueWidth } : undefined;
    const column = new TaskColumn(
      taskId,
      this.columnList.length,
      this.extractor.outputSize,
      columnOptions,
      this.columnList,
      memoryWidths,
      this.parameters,
    );
    this.endSession();
    const newlyFrozen = this.columnList.at(-1);
    if (newlyFrozen && this.memory && this.snapshotsFrozenMemory) {
      this.frozenMemories.set(newlyFrozen.taskId, this.memory.snapshot());
    }
    for (const earlier of this.columnList) earlier.freeze();
    if (this.columnList.length > 0 && this.options.freezeExtractor === 'after-first-task') this.extractor.freeze();
    this.columnList.push(column);
    return column;
  }

  /**
   * Logits [B, outputSize] of `taskId`'s column for inputs [B, ...inputShape], in inference mode
   * (no dropout). Runs the extractor and every column up to that task's. The caller owns the result.
   */
  forward(inputs: tf.Tensor, taskId: string): tf.Tensor2D {
    this.assertLive();
    const index = this.columnIndex(taskId);
    this.checkInputs(inputs);
    return tf.tidy(() => this.run(inputs, index, false, 0).logits);
  }

  /**
   * The representation `taskId`'s output layer reads, [B, width], in inference mode: the column's
   * last hidden activations, or the extractor's features when the column has no hidden layer.
   * Class means (iCaRL's nearest-mean classifier) and herding work on it. The caller owns the result.
   */
  features(inputs: tf.Tensor, taskId: string): tf.Tensor2D {
    this.assertLive();
    const index = this.columnIndex(taskId);
    this.checkInputs(inputs);
    return tf.tidy(() => {
      const { features, result } = this.runColumns(inputs, index, false, 0, false);
      return result.hidden.at(-1) ?? features;
    });
  }

  /**
   * Trains `data.taskId`'s column — the newest; earlier ones are frozen — with softmax
   * cross-entropy plus `options.regularizer`. Starts a new session (ending a kept one). `data` is
   * `{ taskId, inputs, labels }`, `{ taskId, xs, ys }` or `{ taskId, dataset }` ({@link TaskTrainingData}).
   */
  async train(data: TaskTrainingData, options: TrainOptions = {}): Promise<TrainResult> {
    this.assertLive();
    const resolved = await resolveTaskData(data);
    try {
      return await this.trainResolved(resolved.data, options);
    } finally {
      resolved.dispose();
    }
  }

  private async trainResolved(data: TaskData, options: TrainOptions): Promise<TrainResult> {
    const resolved = resolveTrainOptions(options);
    const index = this.trainableColumn(data);
    this.requireGradients();
    if (resolved.memoryWrites && this.memory && this.memory.options.valueSize !== this.memory.options.keySize) {
      throw new NetworkError(
        'INVALID_OPTION',
        `Training writes each example's memory query as key and value (the memory holds the written vectors, as in Santoro et al. 2016), ` +
          `so the memory needs valueSize = keySize (got ${this.memory.options.valueSize} and ${this.memory.options.keySize}); or train with memoryWrites: false.`,
      );
    }
    this.endSession();
    const session = this.createSession(index, resolved, this.trainRandom.nextInt());
    try {
      return await session.run(data);
    } finally {
      if (resolved.preserveState) this.session = session;
      else session.dispose();
    }
  }

  /**
   * Continues the session a `train(..., { preserveState: true })` kept — same options, optimizer
   * moments, shuffling stream and batch size — on `newData` of the same task, in any
   * {@link TaskTrainingData} form.
   */
  async resumeTraining(newData: TaskTrainingData, overrides: RunOverrides = {}): Promise<TrainResult> {
    this.assertLive();
    const resolved = await resolveTaskData(newData);
    try {
      return await this.resumeResolved(resolved.data, overrides);
    } finally {
      resolved.dispose();
    }
  }

  private async resumeResolved(newData: TaskData, overrides: RunOverrides): Promise<TrainResult> {
    const session = this.session;
    if (!session) {
      throw new NetworkError(
        'NO_TRAINING_SESSION',
        'resumeTraining continues a session kept by train(data, { preserveState: true }); no session is kept (none ran with preserveState, or a task was added since).',
      );
    }
    if (newData?.taskId !== session.taskId) {
      throw new NetworkError(
        'COLUMN_FROZEN',
        `The kept session trains task '${session.taskId}', not '${String(newData?.taskId)}'; call train() for another task.`,
      );
    }
    this.trainableColumn(newData);
    return await session.run(newData, overrides);
  }

  /**
   * The kept session's state (optimizer weights, generator state, counters) as plain data, or
   * undefined when no session is kept. Call between epochs; a checkpoint stores it so that
   * {@link restoreTrainingSession} continues the task bit for bit.
   */
  async exportTrainingSession(): Promise<TrainingSessionState | undefined> {
    this.assertLive();
    return this.session?.exportState();
  }

  /**
   * Keeps a session for `data.taskId` continued from `state` (what {@link exportTrainingSession}
   * returned), with `options` as the session's options (its regularizer, batch size...); then
   * {@link resumeTraining} goes on. Draws nothing from the network's own generator, so a restored
   * network trains on exactly as the one that saved the state.
   */
  async restoreTrainingSession(data: TaskData, state: TrainingSessionState, options: TrainOptions = {}): Promise<void> {
    this.assertLive();
    const resolved = resolveTrainOptions({ ...options, preserveState: true });
    const index = this.trainableColumn(data);
    this.requireGradients();
    this.endSession();
    const session = this.createSession(index, resolved, state.random);
    try {
      await session.importState(state);
    } catch (error) {
      session.dispose();
      throw error;
    }
    this.session = session;
  }

  /** Accuracy and mean cross-entropy of `data` (any {@link TaskTrainingData} form) under its task's column. */
  async evaluate(data: TaskTrainingData, options: EvaluateOptions = {}): Promise<Evaluation> {
    this.assertLive();
    const resolved = await resolveTaskData(data);
    try {
      return await this.evaluateResolved(resolved.data, options);
    } finally {
      resolved.dispose();
    }
  }

  private async evaluateResolved(data: TaskData, options: EvaluateOptions): Promise<Evaluation> {
    const index = this.columnIndex(data.taskId);
    this.checkInputs(data.inputs);
    const batchSize = validate.positiveInteger('batchSize', options.batchSize ?? 256);
    const examples = data.inputs.shape[0]!;
    const outputSize = this.columnList[index]!.options.outputSize;
    const classTensor = tf.tidy(() => (data.labels.rank === 2 ? tf.argMax(data.labels, 1) : tf.cast(data.labels, 'int32')));
    // Batches are views of the values read once: on wasm, tf.slice of a large tensor copies all of it
    // for every batch (minutes for 100,000 digits).
    const classes = (await classTensor.data()) as Int32Array;
    classTensor.dispose();
    const inputs = await Inputs.from(data.inputs);
    let correct = 0;
    let lossSum = 0;
    for (let start = 0; start < examples; start += batchSize) {
      const size = Math.min(batchSize, examples - start);
      const [hits, loss] = tf.tidy(() => {
        const batchInputs = inputs.range(start, size);
        const batchClasses = tf.tensor1d(classes.subarray(start, start + size), 'int32');
        const logits = this.run(batchInputs, index, false, 0).logits;
        const targets = tf.cast(tf.oneHot(batchClasses, outputSize), 'float32') as tf.Tensor2D;
        return [
          tf.sum(tf.cast(tf.equal(tf.argMax(logits, 1), batchClasses), 'float32')),
          tf.sum(perExampleCrossEntropy(logits, targets)),
        ];
      });
      correct += (await hits.data())[0]!;
      lossSum += (await loss.data())[0]!;
      tf.dispose([hits, loss]);
    }
    return { taskId: data.taskId, examples, accuracy: correct / examples, loss: lossSum / examples };
  }

  /** The shared extractor's variables (frozen or not): what EWC should protect. */
  sharedVariables(): tf.Variable[] {
    this.assertLive();
    return this.extractor.variables();
  }

  /** Variables of `taskId`'s column: its layers, lateral adapters and memory query. */
  columnVariables(taskId: string): tf.Variable[] {
    this.assertLive();
    return this.columnList[this.columnIndex(taskId)]!.variables();
  }

  /** What `train` updates now: the newest column, the extractor unless frozen, and a trainable memory. */
  trainableVariables(): tf.Variable[] {
    this.assertLive();
    const newest = this.columnList.at(-1);
    return [
      ...(this.extractor.frozen ? [] : this.extractor.variables()),
      ...(newest?.variables() ?? []),
      ...(this.memory?.trainableVariables() ?? []),
    ];
  }

  /** The architecture as JSON: layers with per-example shapes, lateral links, frozen flags, parameter counts. */
  describe(): NetworkDescription {
    this.assertLive();
    const columns = this.columnList.map((column) => column.describe());
    const extractorParameters = this.extractor.parameterCount;
    const total = extractorParameters + columns.reduce((sum, column) => sum + column.parameters, 0);
    const trainable = (this.extractor.frozen ? 0 : extractorParameters) + (columns.at(-1)?.parameters ?? 0);
    const memory = this.memory?.options;
    return {
      format: NETWORK_STATE_FORMAT,
      inputShape: [...this.options.inputShape],
      extractor: {
        kind: this.extractor.options.kind,
        frozen: this.extractor.frozen,
        freeze: this.options.freezeExtractor,
        outputSize: this.extractor.outputSize,
        layers: this.extractor.describeLayers(),
        parameters: extractorParameters,
      },
      columns,
      memory: memory
        ? {
            slots: memory.slots,
            heads: memory.heads,
            keySize: memory.keySize,
            valueSize: memory.valueSize,
            similarity: memory.similarity,
            queryWidth: memory.heads * memory.keySize,
            readWidth: memory.heads * memory.valueSize,
          }
        : null,
      maxColumns: this.options.maxColumns,
      seed: this.options.seed,
      parameters: { total, trainable, frozen: total - trainable },
    };
  }

  /** Config, parameters (copies) and memory state; {@link fromState} rebuilds the network bit for bit. */
  toState(): ProgressiveNetworkState {
    this.assertLive();
    const tasks: ColumnRecord[] = this.columnList.map((column) => ({ taskId: column.taskId, ...column.options }));
    return {
      format: NETWORK_STATE_FORMAT,
      config: {
        options: structuredClone(this.options),
        tasks,
        extractorFrozen: this.extractor.frozen,
        withMemory: this.memory !== undefined,
        ...(this.memory ? { memorySnapshots: this.snapshotsFrozenMemory } : {}),
        random: { init: this.initRandom.seed, training: this.trainRandom.seed },
      },
      arrays: this.parameters.toArrays(),
      ...(this.memory ? { memory: this.memory.toState() } : {}),
      ...(this.frozenMemories.size > 0
        ? { frozenMemories: Object.fromEntries([...this.frozenMemories].map(([taskId, copy]) => [taskId, copy.toState()])) }
        : {}),
    };
  }

  /** Releases every variable and a kept session; also the memory when fromState created it. */
  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    this.endSession();
    this.parameters.dispose();
    for (const copy of this.frozenMemories.values()) copy.dispose();
    this.frozenMemories.clear();
    if (this.ownsMemory) this.memory?.dispose();
  }

  private restoreFrozenMemories(saved: Readonly<Record<string, ExternalMemoryState>>): void {
    for (const [taskId, memoryState] of Object.entries(saved)) {
      const column = this.columnList.find((one) => one.taskId === taskId);
      if (!column?.frozen || !this.memory) {
        throw new NetworkError(
          'STATE_MISMATCH',
          `The state holds a frozen copy of the memory for task '${taskId}', but that task is not a frozen column of a network with a memory; ` +
            'the state was edited or assembled from different networks.',
        );
      }
      this.frozenMemories.set(taskId, ExternalMemory.fromState(memoryState));
    }
    const missing =
      this.snapshotsFrozenMemory && this.memory
        ? this.columnList.filter((one) => one.frozen && !this.frozenMemories.has(one.taskId))
        : [];
    if (missing.length > 0) {
      throw new NetworkError(
        'STATE_MISMATCH',
        `The state says frozen columns read their own copy of the memory, but holds none for task ${missing.map((one) => `'${one.taskId}'`).join(', ')}; ` +
          'the state was edited or assembled from different networks.',
      );
    }
  }

  // Extractor, then columns 0..target: earlier ones give their hidden activations to the laterals.
  private run(
    inputs: tf.Tensor,
    target: number,
    training: boolean,
    dropoutSeed: number,
    route: KernelRoute = 'fused',
  ): { logits: tf.Tensor2D; query?: tf.Tensor2D } {
    const { result } = this.runColumns(inputs, target, training, dropoutSeed, true, route);
    return { logits: result.logits!, ...(result.query ? { query: result.query } : {}) };
  }

  private runColumns(
    inputs: tf.Tensor,
    target: number,
    training: boolean,
    dropoutSeed: number,
    withOutput: boolean,
    route: KernelRoute = 'fused',
  ): { features: tf.Tensor2D; result: ReturnType<TaskColumn['run']> } {
    const features = this.extractor.apply(inputs, route);
    const hidden: tf.Tensor2D[][] = [];
    // A column without lateral adapters reads nothing from the earlier columns: skip running them.
    const readsEarlier = this.columnList[target]!.laterals.length > 0;
    for (let index = 0; readsEarlier && index < target; index++) {
      hidden.push(
        this.columnList[index]!.run(features, hidden, {
          training: false,
          dropoutSeed,
          ...this.memoryOf(this.columnList[index]!),
          withOutput: false,
          route,
        }).hidden,
      );
    }
    const featuresNeedGradient = !this.extractor.frozen && this.extractor.parameterCount > 0;
    const result = this.columnList[target]!.run(features, hidden, {
      training,
      dropoutSeed,
      ...this.memoryOf(this.columnList[target]!),
      withOutput,
      route,
      featuresNeedGradient,
    });
    return { features, result };
  }

  // The memory a column reads: its frozen copy (untracked: reading it changes nothing), else the shared one.
  private memoryOf(column: TaskColumn): { memory: ExternalMemory | undefined; trackReads: boolean } {
    const frozenCopy = this.frozenMemories.get(column.taskId);
    return frozenCopy ? { memory: frozenCopy, trackReads: false } : { memory: this.memory, trackReads: true };
  }

  private resolveColumnOptions(taskId: string, options: AddTaskOptions): TaskColumnOptions {
    if (typeof options !== 'object' || options === null) {
      throw new NetworkError('INVALID_OPTION', `addTask('${taskId}', options) needs options such as { outputSize: 2 }.`);
    }
    const defaults = this.options.column;
    const sizes = layerWidths(`hiddenSizes of task '${taskId}'`, options.hiddenSizes ?? defaults.hiddenSizes);
    const first = this.columnList[0];
    if (first && first.options.hiddenSizes.length !== sizes.length) {
      throw new NetworkError(
        'INVALID_OPTION',
        `Task '${taskId}' has ${sizes.length} hidden layers but earlier columns have ${first.options.hiddenSizes.length}; ` +
          'lateral adapters pair layers, so every column needs the same depth (widths may differ).',
      );
    }
    const adapterSize = options.adapterSize ?? defaults.adapterSize;
    return {
      outputSize: validate.positiveInteger(`outputSize of task '${taskId}'`, options.outputSize),
      hiddenSizes: sizes,
      activation: checkActivation(`activation of task '${taskId}'`, options.activation ?? defaults.activation),
      dropout: dropoutRate(`dropout of task '${taskId}'`, options.dropout ?? defaults.dropout),
      ...(adapterSize === undefined
        ? {}
        : { adapterSize: validate.positiveInteger(`adapterSize of task '${taskId}'`, adapterSize) }),
      ...(lateralInputs(taskId, options.lateral) ? {} : { lateral: false as const }),
    };
  }

  private columnIndex(taskId: string): number {
    const index = this.columnList.findIndex((column) => column.taskId === taskId);
    if (index < 0) {
      const known = this.columnList.length === 0 ? 'none yet' : this.taskIds.map((id) => `'${id}'`).join(', ');
      throw new NetworkError(
        'UNKNOWN_TASK',
        `Unknown task '${String(taskId)}'; known tasks: ${known}. Add it first with addTask('${String(taskId)}', { outputSize }).`,
      );
    }
    return index;
  }

  private createSession(index: number, resolved: ResolvedTrainOptions, seed: number): TrainingSession {
    const column = this.columnList[index]!;
    return new TrainingSession(
      {
        taskId: column.taskId,
        outputSize: column.options.outputSize,
        variables: this.trainableVariables(),
        memory: this.memory,
        forward: (inputs, dropoutSeed) => this.run(inputs, index, true, dropoutSeed, resolved.kernels),
      },
      resolved,
      seed,
    );
  }

  private trainableColumn(data: TaskData): number {
    if (typeof data !== 'object' || data === null) {
      throw new NetworkError(
        'INVALID_OPTION',
        'Training data must be { taskId, inputs, labels }, { taskId, xs, ys } or { taskId, dataset }.',
      );
    }
    const index = this.columnIndex(data.taskId);
    const column = this.columnList[index]!;
    if (column.frozen) {
      throw new NetworkError(
        'COLUMN_FROZEN',
        `Task '${data.taskId}' (column ${index}) is frozen: adding a later task froze it so its outputs never change. ` +
          `Only the newest task, '${this.columnList.at(-1)!.taskId}', trains.`,
      );
    }
    this.checkInputs(data.inputs);
    return index;
  }

  private checkInputs(inputs: tf.Tensor): void {
    const expected = [...this.options.inputShape];
    if (!(inputs instanceof tf.Tensor)) {
      throw new NetworkError(
        'INPUT_SHAPE_MISMATCH',
        `Expected inputs as a float32 tf.Tensor of shape [batch, ${expected.join(', ')}], got ${typeof inputs}.`,
      );
    }
    const shape = inputs.shape;
    const fits = shape.length === expected.length + 1 && expected.every((size, axis) => shape[axis + 1] === size);
    if (!fits) {
      const perExample = shape.slice(1).reduce((a, b) => a * b, 1);
      const wanted = expected.reduce((a, b) => a * b, 1);
      const hint =
        shape.length >= 1 && perExample === wanted
          ? `reshape it to [${[shape[0], ...expected].join(', ')}]`
          : `the network was built with inputShape [${expected.join(', ')}]`;
      throw new NetworkError(
        'INPUT_SHAPE_MISMATCH',
        `Expected inputs of shape [batch, ${expected.join(', ')}], got [${shape.join(', ')}]; ${hint}.`,
      );
    }
    if (inputs.dtype !== 'float32') {
      throw new NetworkError(
        'INPUT_SHAPE_MISMATCH',
        `Expected float32 inputs, got ${inputs.dtype}; convert them with tf.cast(inputs, 'float32').`,
      );
    }
  }

  private requireGradients(): void {
    if (tf.getGradient('BatchMatMul') !== undefined && tf.getGradient('Sum') !== undefined) return;
    throw new NetworkError(
      'GRADIENTS_MISSING',
      "Training needs TensorFlow.js gradients, which are not registered. Import '@tensorflow/tfjs' or '@tensorflow/tfjs-layers' once " +
        '(or install @tensorflow/tfjs-layers and call initBackend() from @holomind/tensor-kernels).',
    );
  }

  private endSession(): void {
    this.session?.dispose();
    this.session = undefined;
  }

  private assertLive(): void {
    if (this.disposed)
      throw new NetworkError(
        'DISPOSED',
        'This ProgressiveNetwork was disposed; rebuild it with ProgressiveNetwork.fromState(state).',
      );
  }
}

/** Whether a new column gets lateral adapters: `lateral` as given (true when absent), checked to be a boolean. */
function lateralInputs(taskId: string, lateral: unknown): boolean {
  if (lateral === undefined) return true;
  if (typeof lateral !== 'boolean') {
    throw new NetworkError(
      'INVALID_OPTION',
      `lateral of task '${taskId}' must be true or false, got ${describeValue(lateral)}; omit it for lateral adapters.`,
    );
  }
  return lateral;
}
