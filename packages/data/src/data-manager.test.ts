import { describe, expect, it } from 'vitest';
import { seededValues } from '@holomind/testing';
import { DataManager, loadMnist, splitBenchmark, type DataError, type SplitInput, type TaskSplitsInput } from './index.js';
import { caught } from '../test/support.js';

function split(
  count: number,
  size: number,
  seed: number,
  numClasses = 3,
): { features: Float32Array; labels: Int32Array; featureShape: number[] } {
  return {
    features: seededValues(count * size, seed),
    labels: Int32Array.from({ length: count }, (_, i) => (i * 7 + seed) % numClasses),
    featureShape: [size],
  };
}

function task(
  seed = 1,
): TaskSplitsInput & { train: ReturnType<typeof split>; val: ReturnType<typeof split>; test: ReturnType<typeof split> } {
  return { train: split(40, 5, seed), val: split(10, 5, seed + 100), test: split(12, 5, seed + 200) };
}

describe('DataManager.addTask validation', () => {
  const manager = new DataManager({ numClasses: 3 });

  it('rejects mismatched feature and label lengths, naming the split', async () => {
    const bad = task();
    bad.val = { ...bad.val, labels: bad.val.labels.subarray(0, 9) };
    const error = await caught(() => manager.addTask('a', bad));
    expect(error).toMatchObject({ code: 'LENGTH_MISMATCH', split: 'val' });
    expect(error.message).toContain('9 labels need 9 x 5 = 45 feature values');
    expect(error.message).toContain('got 50 = 10 samples');
  });

  it('rejects NaN and infinite features with the sample index', async () => {
    for (const poison of [Number.NaN, Infinity]) {
      const bad = task();
      bad.test.features[7 * 5 + 3] = poison;
      const error = await caught(() => manager.addTask('a', bad));
      expect(error).toMatchObject({ code: 'NON_FINITE_FEATURE', split: 'test', sampleIndex: 7 });
      expect(error.message).toContain(`has ${poison} at feature 3`);
    }
  });

  it('rejects labels out of range or not integers, with the sample index', async () => {
    const outOfRange = task();
    outOfRange.train.labels[31] = 3;
    expect(await caught(() => manager.addTask('a', outOfRange))).toMatchObject({
      code: 'LABEL_OUT_OF_RANGE',
      split: 'train',
      sampleIndex: 31,
    });
    const negative = task();
    negative.val.labels[2] = -1;
    expect(await caught(() => manager.addTask('a', negative))).toMatchObject({
      code: 'LABEL_OUT_OF_RANGE',
      split: 'val',
      sampleIndex: 2,
    });
    const fractional: SplitInput = {
      ...task().train,
      labels: Float32Array.from(task().train.labels, (label, i) => (i === 5 ? 1.5 : label)),
    };
    expect(await caught(() => manager.addTask('a', { ...task(), train: fractional }))).toMatchObject({
      code: 'LABEL_NOT_INTEGER',
      split: 'train',
      sampleIndex: 5,
    });
  });

  it('uses metadata.numClasses over the manager default', async () => {
    const fourClasses = task();
    fourClasses.train.labels[0] = 3;
    await expect(new DataManager({ numClasses: 3 }).addTask('a', fourClasses, { numClasses: 4 })).resolves.toMatchObject({
      current: { numClasses: 4 },
    });
  });

  it('rejects an empty split and a featureShape that differs between splits', async () => {
    const empty = { ...task(), val: { features: new Float32Array(0), labels: new Int32Array(0), featureShape: [5] } };
    expect(await caught(() => manager.addTask('a', empty))).toMatchObject({ code: 'EMPTY_SPLIT', split: 'val' });
    const reshaped = task();
    const test = { ...reshaped.test, features: new Float32Array(12 * 6), featureShape: [6] };
    expect(await caught(() => manager.addTask('a', { ...reshaped, test }))).toMatchObject({
      code: 'FEATURE_SHAPE_MISMATCH',
      split: 'test',
    });
    expect(manager.list()).toEqual([]);
  });
});

describe('DataManager records', () => {
  it('records samples per class and per-feature statistics equal to a float64 reference', async () => {
    const manager = new DataManager({ numClasses: 3 });
    const before = Date.now();
    const data = task(5);
    const record = await manager.addTask('t', data, { source: 'synthetic' });
    expect(Date.parse(record.current.addedAt)).toBeGreaterThanOrEqual(Math.floor(before / 1000) * 1000);
    expect(record.current).toMatchObject({ revision: 1, metadata: { source: 'synthetic' }, featureShape: [5], numClasses: 3 });
    for (const name of ['train', 'val', 'test'] as const) {
      const { features, labels } = data[name];
      const count = labels.length;
      const statistics = record.current.statistics[name]!;
      const perClass = [0, 0, 0];
      labels.forEach((label) => perClass[label]!++);
      expect(statistics.samplesPerClass).toEqual(perClass);
      for (let j = 0; j < 5; j++) {
        const column = Array.from({ length: count }, (_, i) => features[i * 5 + j]!);
        const mean = column.reduce((a, b) => a + b, 0) / count;
        const variance = column.reduce((a, b) => a + b * b, 0) / count - mean * mean;
        expect(statistics.featureMean[j]).toBeCloseTo(mean, 12);
        expect(statistics.featureStd[j]).toBeCloseTo(Math.sqrt(variance), 9);
        expect(statistics.featureMin[j]).toBe(Math.min(...column));
        expect(statistics.featureMax[j]).toBe(Math.max(...column));
      }
    }
  });

  it('keeps the version for identical content and makes a new one, with history, for changed content', async () => {
    const manager = new DataManager({ numClasses: 3 });
    const first = await manager.addTask(1, task(2));
    expect(first.current.version).toMatch(/^[0-9a-f]{64}$/);
    const same = await manager.addTask(1, task(2), { note: 're-added' });
    expect(same.current.version).toBe(first.current.version);
    expect(same.history).toHaveLength(1);
    expect(same.current.metadata).toEqual({ note: 're-added' });

    const changed = task(2);
    changed.test.features[0]! += 1e-3;
    const second = await manager.addTask(1, changed);
    expect(second.current.revision).toBe(2);
    expect(second.current.version).not.toBe(first.current.version);
    expect(second.history.map((version) => version.version)).toEqual([first.current.version, second.current.version]);
    const relabelled = task(2);
    relabelled.val.labels[0] = (relabelled.val.labels[0]! + 1) % 3;
    const third = await manager.addTask(1, relabelled);
    expect(new Set(third.history.map((version) => version.version)).size).toBe(3);
    // A task id is kept as given: '1' is another task than 1.
    expect(manager.has('1')).toBe(false);
  });

  it('lists, gets and removes tasks; unknown ids name the known ones', async () => {
    const manager = new DataManager({ numClasses: 3 });
    await manager.addTask('b', task(3));
    await manager.addTask('a', task(4));
    expect(manager.list().map((record) => record.taskId)).toEqual(['b', 'a']);
    const entry = manager.get('a');
    expect(Array.from(entry.train.labels)).toEqual(Array.from(task(4).train.labels));
    expect(entry.train.features).toBeInstanceOf(Float32Array);
    expect(manager.remove('b')).toBe(true);
    expect(manager.remove('b')).toBe(false);
    const error = await caught(async () => manager.get('b'));
    expect(error).toMatchObject({ code: 'TASK_NOT_FOUND' });
    expect(error.message).toContain('known tasks: "a"');
  });

  it('exports a JSON manifest and imports it back; data re-attaches only with the same hash', async () => {
    const manager = new DataManager({ numClasses: 3 });
    await manager.addTask('x', task(6), { source: 'first' });
    const changed = task(6);
    changed.train.features[3] = 0.5;
    await manager.addTask('x', changed, { source: 'second' });
    await manager.addTask('y', task(7));
    const text = JSON.stringify(manager.exportManifest());

    const restored = new DataManager({ numClasses: 3 });
    restored.importManifest(text);
    expect(restored.list()).toEqual(manager.list().map((record) => ({ ...record, hasData: false })));
    expect(await caught(async () => restored.get('x'))).toMatchObject({ code: 'TASK_DATA_MISSING' });
    const reattached = await restored.addTask('x', changed, { source: 'second' });
    expect(reattached).toMatchObject({ hasData: true, current: { revision: 2 } });
    expect(restored.get('x').train.features[3]).toBe(0.5);

    // Importing onto a manager holding the same data keeps it.
    manager.importManifest(text);
    expect(manager.get('y').record.hasData).toBe(true);
  });

  it('rejects a malformed manifest naming the key', () => {
    const manager = new DataManager();
    const error = (() => {
      try {
        manager.importManifest({
          format: 'holomind-data-manifest',
          formatVersion: 1,
          exportedAt: '',
          tasks: [{ taskId: 'a', history: [{ version: 'abc' }] }],
        } as never);
      } catch (thrown) {
        return thrown as DataError;
      }
    })();
    expect(error).toMatchObject({ code: 'INVALID_MANIFEST', key: 'tasks[0].history[0].version' });
    expect(() => manager.importManifest('{')).toThrow(expect.objectContaining({ code: 'INVALID_MANIFEST' }));
  });

  it('stores a real Split MNIST benchmark task by task', async () => {
    const tasks = splitBenchmark(await loadMnist(), { tasks: 5, seed: 1, scenario: 'class-incremental' });
    const manager = new DataManager({ numClasses: 10 });
    for (const benchmarkTask of tasks)
      await manager.addTask(benchmarkTask.taskId, benchmarkTask, { classes: benchmarkTask.classes });
    const records = manager.list();
    expect(records).toHaveLength(5);
    expect(new Set(records.map((record) => record.current.version)).size).toBe(5);
    records.forEach((record, t) => {
      const counts = record.current.statistics.train!.samplesPerClass;
      expect(counts.flatMap((count, label) => (count > 0 ? [label] : []))).toEqual([2 * t, 2 * t + 1]);
      expect(record.current.statistics.train!.featureMax.every((value) => value <= 1)).toBe(true);
    });
  });
});
