import type { TaskId } from '@holomind/core';
import { DataError } from './errors.js';
import { checkOption } from './option-checks.js';
import { createSplit, type DataSplit, type SplitInput } from './split.js';
import { splitStatistics, type SplitStatistics } from './statistics.js';

/** The split names of a task. */
export type SplitName = 'train' | 'val' | 'test';

const SPLIT_NAMES: readonly SplitName[] = ['train', 'val', 'test'];

/** Splits given to {@link DataManager.addTask}; `val` may be left out, but no split may be empty. */
export interface TaskSplitsInput {
  train: SplitInput;
  val?: SplitInput;
  test: SplitInput;
}

/** One version of a task's data, JSON-serialisable. */
export interface TaskVersion {
  /** SHA-256 (hex) of the task's content: feature shape, and every split's features and labels. */
  version: string;
  /** 1 for the first version, +1 for each change of content. */
  revision: number;
  /** ISO-8601 time the version was added. */
  addedAt: string;
  /** Caller's metadata (JSON values), e.g. `{ source: 'fashion-mnist', numClasses: 10 }`. */
  metadata: Record<string, unknown>;
  featureShape: number[];
  numClasses: number;
  statistics: Partial<Record<SplitName, SplitStatistics>>;
}

/** A task's versions: `history` oldest first, its last entry is `current`. */
export interface TaskDataRecord {
  taskId: TaskId;
  current: TaskVersion;
  history: TaskVersion[];
  /** False after importing a manifest until the data is added again. */
  hasData: boolean;
}

/** A task's data and record, from {@link DataManager.get}. */
export interface TaskEntry {
  taskId: TaskId;
  train: DataSplit;
  val?: DataSplit;
  test: DataSplit;
  record: TaskDataRecord;
}

/** The JSON document of {@link DataManager.exportManifest}. */
export interface DataManifest {
  format: 'holomind-data-manifest';
  formatVersion: 1;
  exportedAt: string;
  tasks: Array<{ taskId: TaskId; history: TaskVersion[] }>;
}

/** Options of {@link DataManager}. */
export interface DataManagerOptions {
  /** Labels must be in [0, numClasses); a task's `metadata.numClasses` overrides it. Default: inferred per task. */
  numClasses?: number;
}

interface StoredTask {
  history: TaskVersion[];
  splits: Partial<Record<SplitName, DataSplit>> | undefined;
}

/**
 * Holds the data of each task, validated on the way in, with statistics and a content-hash version
 * per task. Re-adding a task with different content makes a new version and keeps the history;
 * the manifest (JSON) records every version, and importing it back lets the same data be
 * re-attached and checked against its hash.
 *
 * @example
 * const manager = new DataManager({ numClasses: 10 });
 * for (const task of splitBenchmark(mnist, { tasks: 5, seed: 1, scenario: 'class-incremental' })) {
 *   await manager.addTask(task.taskId, task, { classes: task.classes });
 * }
 * const manifest = manager.exportManifest();
 */
export class DataManager {
  private readonly tasks = new Map<TaskId, StoredTask>();

  constructor(private readonly options: DataManagerOptions = {}) {
    if (options.numClasses !== undefined) assertNumClasses(options.numClasses, 'numClasses');
  }

  /**
   * Validates and stores a task's splits. Throws (naming the split and sample) on mismatched
   * lengths, a featureShape that differs between splits, non-integer or out-of-range labels,
   * NaN/infinite features, or an empty split. Resolves to the task's record.
   */
  async addTask(taskId: TaskId, splits: TaskSplitsInput, metadata: Record<string, unknown> = {}): Promise<TaskDataRecord> {
    assertTaskId(taskId);
    const safeMetadata = jsonCopy(metadata, 'metadata');
    if (typeof splits !== 'object' || splits === null || !splits.train || !splits.test) {
      throw new DataError(
        'INVALID_ARGUMENT',
        `Task ${JSON.stringify(taskId)}: addTask needs { train, test } splits (val is optional).`,
        { key: 'splits' },
      );
    }
    const numClasses = this.numClassesFor(splits, safeMetadata);
    const validated: Partial<Record<SplitName, DataSplit>> = {};
    for (const name of SPLIT_NAMES) {
      const input = splits[name];
      if (input === undefined) continue;
      const split = createSplit(input, { split: name, numClasses });
      const reference = validated.train;
      if (reference && !sameShape(reference.featureShape, split.featureShape)) {
        throw new DataError(
          'FEATURE_SHAPE_MISMATCH',
          `Task ${JSON.stringify(taskId)}: ${name} samples have featureShape ${JSON.stringify(split.featureShape)} but train samples ${JSON.stringify(reference.featureShape)}. All splits of a task must share one featureShape.`,
          { split: name, key: 'featureShape' },
        );
      }
      validated[name] = split;
    }
    const version = await contentHash(validated);
    const stored = this.tasks.get(taskId);
    const current = stored?.history.at(-1);
    if (stored && current && current.version === version) {
      // Same content: re-attach data (after a manifest import) and refresh the metadata.
      stored.splits = validated;
      current.metadata = safeMetadata;
      return this.record(taskId, stored);
    }
    const entry: TaskVersion = {
      version,
      revision: (current?.revision ?? 0) + 1,
      addedAt: new Date().toISOString(),
      metadata: safeMetadata,
      featureShape: [...validated.train!.featureShape],
      numClasses,
      statistics: Object.fromEntries(
        Object.entries(validated).map(([name, split]) => [name, splitStatistics(split, numClasses)]),
      ),
    };
    const next: StoredTask = { history: [...(stored?.history ?? []), entry], splits: validated };
    this.tasks.set(taskId, next);
    return this.record(taskId, next);
  }

  /** Whether a task is known (with or without its data). */
  has(taskId: TaskId): boolean {
    return this.tasks.has(taskId);
  }

  /** Records of all tasks, in the order they were first added. */
  list(): TaskDataRecord[] {
    return [...this.tasks.entries()].map(([taskId, stored]) => this.record(taskId, stored));
  }

  /** A task's data and record. Throws TASK_NOT_FOUND, or TASK_DATA_MISSING after a manifest import. */
  get(taskId: TaskId): TaskEntry {
    const stored = this.stored(taskId);
    if (!stored.splits) {
      throw new DataError(
        'TASK_DATA_MISSING',
        `Task ${JSON.stringify(taskId)} came from a manifest without its data. Call addTask(${JSON.stringify(taskId)}, splits) with the same data to re-attach it (its hash must be ${stored.history.at(-1)!.version}).`,
        { key: 'taskId' },
      );
    }
    const { train, val, test } = stored.splits;
    return { taskId, train: train!, ...(val ? { val } : {}), test: test!, record: this.record(taskId, stored) };
  }

  /** A task's versions, oldest first. */
  history(taskId: TaskId): TaskVersion[] {
    return structuredClone(this.stored(taskId).history);
  }

  /** Forgets a task and its history; false when it was not there. */
  remove(taskId: TaskId): boolean {
    return this.tasks.delete(taskId);
  }

  /** Every task's versions as a JSON-serialisable manifest (no sample data). */
  exportManifest(): DataManifest {
    return {
      format: 'holomind-data-manifest',
      formatVersion: 1,
      exportedAt: new Date().toISOString(),
      tasks: [...this.tasks.entries()].map(([taskId, stored]) => ({ taskId, history: structuredClone(stored.history) })),
    };
  }

  /**
   * Loads the versions of every task in a manifest (an object or its JSON text), replacing the
   * records of tasks with the same id. Data already held is kept when its hash equals the
   * manifest's current version; otherwise the task waits for addTask to re-attach its data.
   */
  importManifest(manifest: DataManifest | string): void {
    const parsed = parseManifest(manifest);
    for (const { taskId, history } of parsed.tasks) {
      const held = this.tasks.get(taskId);
      const keep = held?.splits && held.history.at(-1)!.version === history.at(-1)!.version;
      this.tasks.set(taskId, { history, splits: keep ? held.splits : undefined });
    }
  }

  private stored(taskId: TaskId): StoredTask {
    const stored = this.tasks.get(taskId);
    if (!stored) {
      const known = [...this.tasks.keys()].map((id) => JSON.stringify(id)).join(', ') || 'none';
      throw new DataError('TASK_NOT_FOUND', `No task ${JSON.stringify(taskId)}; known tasks: ${known}.`, { key: 'taskId' });
    }
    return stored;
  }

  private record(taskId: TaskId, stored: StoredTask): TaskDataRecord {
    const history = structuredClone(stored.history);
    return { taskId, current: history.at(-1)!, history, hasData: stored.splits !== undefined };
  }

  private numClassesFor(splits: TaskSplitsInput, metadata: Record<string, unknown>): number {
    if (metadata.numClasses !== undefined) {
      assertNumClasses(metadata.numClasses, 'metadata.numClasses');
      return metadata.numClasses;
    }
    if (this.options.numClasses !== undefined) return this.options.numClasses;
    let largest = -1;
    for (const name of SPLIT_NAMES) {
      const labels = splits[name]?.labels;
      if (labels) for (let i = 0; i < labels.length; i++) largest = Math.max(largest, labels[i]!);
    }
    return Math.max(1, Math.floor(largest) + 1);
  }
}

function assertTaskId(taskId: unknown): asserts taskId is TaskId {
  if (!(typeof taskId === 'string' && taskId.length > 0) && !(typeof taskId === 'number' && Number.isFinite(taskId))) {
    throw new DataError('INVALID_ARGUMENT', `taskId must be a non-empty string or a finite number, got ${String(taskId)}.`, {
      key: 'taskId',
    });
  }
}

function assertNumClasses(value: unknown, key: string): asserts value is number {
  checkOption('positiveInteger', key, value);
}

function sameShape(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((dimension, axis) => dimension === b[axis]);
}

function jsonCopy(value: Record<string, unknown>, key: string): Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new DataError('INVALID_ARGUMENT', `${key} must be a plain object of JSON values, got ${JSON.stringify(value)}.`, {
      key,
    });
  }
  try {
    return JSON.parse(JSON.stringify(value)) as Record<string, unknown>;
  } catch (error) {
    throw new DataError('INVALID_ARGUMENT', `${key} must hold JSON values only: ${(error as Error).message}.`, {
      key,
      cause: error,
    });
  }
}

async function sha256(bytes: ArrayBufferView | string): Promise<Uint8Array> {
  // Typed arrays over a SharedArrayBuffer are not accepted by WebCrypto; ours are never shared.
  const data =
    typeof bytes === 'string'
      ? new TextEncoder().encode(bytes)
      : new Uint8Array(bytes.buffer as ArrayBuffer, bytes.byteOffset, bytes.byteLength);
  return new Uint8Array(await globalThis.crypto.subtle.digest('SHA-256', data));
}

/**
 * SHA-256 over a header (split names, counts, featureShape) and the SHA-256 of each split's
 * feature and label bytes: hashing parts avoids concatenating hundreds of MB into one buffer.
 */
async function contentHash(splits: Partial<Record<SplitName, DataSplit>>): Promise<string> {
  const present = SPLIT_NAMES.filter((name) => splits[name] !== undefined);
  const header = JSON.stringify({
    format: 'holomind-data-task/1',
    featureShape: splits.train!.featureShape,
    splits: present.map((name) => [name, splits[name]!.labels.length]),
  });
  const parts = [await sha256(header)];
  for (const name of present) parts.push(await sha256(splits[name]!.features), await sha256(splits[name]!.labels));
  const joined = new Uint8Array(parts.length * 32);
  parts.forEach((part, index) => joined.set(part, index * 32));
  return Array.from(await sha256(joined), (byte) => byte.toString(16).padStart(2, '0')).join('');
}

function parseManifest(manifest: DataManifest | string): DataManifest {
  let value: unknown = manifest;
  if (typeof manifest === 'string') {
    try {
      value = JSON.parse(manifest);
    } catch (error) {
      throw new DataError('INVALID_MANIFEST', `The manifest is not valid JSON: ${(error as Error).message}.`, { cause: error });
    }
  }
  const fail = (key: string, expected: string): never => {
    throw new DataError(
      'INVALID_MANIFEST',
      `Manifest key ${key} must be ${expected}. Use a manifest written by DataManager.exportManifest().`,
      { key },
    );
  };
  const document = value as Partial<DataManifest>;
  if (typeof document !== 'object' || document === null) fail('(root)', 'an object');
  if (document.format !== 'holomind-data-manifest') fail('format', "'holomind-data-manifest'");
  if (document.formatVersion !== 1) fail('formatVersion', '1');
  if (!Array.isArray(document.tasks)) fail('tasks', 'an array');
  document.tasks!.forEach((task, t) => {
    const at = `tasks[${t}]`;
    if (!(typeof task?.taskId === 'string' || typeof task?.taskId === 'number')) fail(`${at}.taskId`, 'a string or number');
    if (!Array.isArray(task.history) || task.history.length === 0) fail(`${at}.history`, 'a non-empty array');
    task.history.forEach((version, v) => {
      const vAt = `${at}.history[${v}]`;
      if (typeof version?.version !== 'string' || !/^[0-9a-f]{64}$/.test(version.version))
        fail(`${vAt}.version`, 'a SHA-256 hex string');
      if (!Number.isInteger(version.revision) || version.revision < 1) fail(`${vAt}.revision`, 'a positive integer');
      if (typeof version.addedAt !== 'string' || Number.isNaN(Date.parse(version.addedAt)))
        fail(`${vAt}.addedAt`, 'an ISO-8601 time');
      if (typeof version.metadata !== 'object' || version.metadata === null) fail(`${vAt}.metadata`, 'an object');
      if (!Array.isArray(version.featureShape)) fail(`${vAt}.featureShape`, 'an array of integers');
      if (!Number.isInteger(version.numClasses)) fail(`${vAt}.numClasses`, 'an integer');
      if (typeof version.statistics !== 'object' || version.statistics === null) fail(`${vAt}.statistics`, 'an object');
    });
  });
  return structuredClone(document as DataManifest);
}
