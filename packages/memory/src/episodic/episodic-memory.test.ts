import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { disposeBackend, initBackend } from '@holomind/tensor-kernels';
import { tensorsLeakedBy } from '@holomind/testing';
import { MemoryError } from '../errors.js';
import { EpisodicMemory, herdingOrder, type EpisodeBatch, type EpisodicMemoryOptions } from './index.js';

beforeAll(() => initBackend({ backends: 'cpu' }));
afterAll(() => disposeBackend());

/** n examples of `inputSize` values; example i holds the value i everywhere, so stored rows name their origin. */
function batchOf(labels: number[], task: number, inputSize = 3, firstId = 0, extra: Partial<EpisodeBatch> = {}): EpisodeBatch {
  const inputs = new Float32Array(labels.length * inputSize);
  labels.forEach((_, row) => inputs.fill(firstId + row, row * inputSize, (row + 1) * inputSize));
  return { inputs, labels, task, ...extra };
}

function storedIds(memory: EpisodicMemory, inputSize = 3): number[] {
  const { inputs } = memory.contents();
  return Array.from({ length: memory.size }, (_, row) => inputs[row * inputSize]!);
}

function codeOf(run: () => unknown): string {
  try {
    run();
  } catch (error) {
    expect(MemoryError.isInstance(error)).toBe(true);
    return (error as MemoryError).code;
  }
  throw new Error('expected a MemoryError');
}

const base: EpisodicMemoryOptions = { budget: 10, inputSize: 3, classCount: 10 };

describe('EpisodicMemory write policies', () => {
  it('reservoir keeps each offered example with probability budget / offered (Algorithm R)', () => {
    const offered = 50;
    const kept = new Array<number>(offered).fill(0);
    const trials = 3000;
    for (let seed = 0; seed < trials; seed++) {
      const memory = new EpisodicMemory({ ...base, policy: 'reservoir', seed });
      // Two writes: the reservoir must not depend on how the stream is cut into batches.
      memory.write(
        batchOf(
          Array.from({ length: 20 }, (_, i) => i % 10),
          0,
        ),
      );
      memory.write(
        batchOf(
          Array.from({ length: 30 }, (_, i) => i % 10),
          1,
          3,
          20,
        ),
      );
      for (const id of storedIds(memory)) kept[id]!++;
    }
    const expected = (trials * base.budget) / offered; // 600
    // Binomial(3000, 0.2): sd ≈ 21.9; 5 sd.
    for (const count of kept) expect(Math.abs(count - expected)).toBeLessThan(110);
  });

  it('class-balanced gives every class seen an equal share and samples uniformly within a class', () => {
    const memory = new EpisodicMemory({ budget: 500, inputSize: 3, classCount: 10, policy: 'class-balanced', seed: 1 });
    let id = 0;
    for (let task = 0; task < 5; task++) {
      const labels = Array.from({ length: 1200 }, (_, i) => 2 * task + (i % 2));
      memory.write(batchOf(labels, task, 3, id));
      id += labels.length;
      const perClass = memory.stats().perClass;
      const seen = 2 * (task + 1);
      // Equal shares; the first classes take the remainder (500 = 6 × 83 + 2).
      for (let label = 0; label < seen; label++)
        expect(perClass[label]).toBe(Math.floor(500 / seen) + (label < 500 % seen ? 1 : 0));
    }
    expect(memory.size).toBe(500);
    // Within class 0 (ids 0, 2, 4, ... of task 0), early and late examples are kept equally often.
    const classZero = storedIds(memory).filter((storedId) => storedId < 1200 && storedId % 2 === 0);
    const early = classZero.filter((storedId) => storedId < 600).length;
    expect(Math.abs(early - classZero.length / 2)).toBeLessThan(20);
  });

  it('importance keeps each class share of its most important examples', () => {
    const memory = new EpisodicMemory({ budget: 6, inputSize: 3, classCount: 3, policy: 'importance' });
    const labels = [0, 1, 0, 1, 0, 1, 0, 1, 0, 1, 0, 1];
    const importance = Float32Array.from([5, 1, 3, 9, 7, 2, 1, 8, 6, 4, 2, 3]);
    memory.write(batchOf(labels, 0, 3, 0, { importance }));
    // Reference: the 3 largest importances per class.
    const reference = [0, 1].flatMap((label) =>
      labels
        .map((l, i) => ({ l, i, v: importance[i]! }))
        .filter((e) => e.l === label)
        .sort((a, b) => b.v - a.v)
        .slice(0, 3)
        .map((e) => e.i),
    );
    expect(storedIds(memory).sort((a, b) => a - b)).toEqual(reference.sort((a, b) => a - b));
    // A third class takes 2 slots, from the least important of the others.
    memory.write(batchOf([2, 2, 2], 1, 3, 100, { importance: Float32Array.from([1, 1, 1]) }));
    expect(memory.stats().perClass).toEqual([2, 2, 2]);
    // Class 0 gives up id 0 (importance 5), class 1 id 9 (4); the third class-2 example (1) is no more important than its class's own.
    expect(storedIds(memory).sort((a, b) => a - b)).toEqual([3, 4, 7, 8, 100, 101]);
  });

  it('herding matches a float64 brute-force reference and shrinks a class by its last-chosen exemplars', () => {
    const count = 40;
    const featureSize = 5;
    let state = 7;
    const next = () => ((state = (state * 1103515245 + 12345) % 2 ** 31), state / 2 ** 31);
    const features = Float32Array.from({ length: count * featureSize }, () => next() * 2 - 1);
    // Reference: greedy herding written out directly from Rebuffi et al. 2017, Algorithm 4.
    const rows = Array.from({ length: count }, (_, r) => {
      const v = Array.from(features.subarray(r * featureSize, (r + 1) * featureSize), Number);
      const n = Math.hypot(...v);
      return v.map((x) => x / n);
    });
    const mu = rows[0]!.map((_, k) => rows.reduce((s, v) => s + v[k]!, 0) / count);
    const chosen: number[] = [];
    const sum = new Array<number>(featureSize).fill(0);
    for (let step = 1; step <= 8; step++) {
      let best = -1;
      let bestD = Infinity;
      rows.forEach((v, r) => {
        if (chosen.includes(r)) return;
        const d = mu.reduce((s, m, k) => s + (m - (sum[k]! + v[k]!) / step) ** 2, 0);
        if (d < bestD) [best, bestD] = [r, d];
      });
      chosen.push(best);
      rows[best]!.forEach((x, k) => (sum[k]! += x));
    }
    expect(Array.from(herdingOrder(features, count, featureSize, 8))).toEqual(chosen);

    const memory = new EpisodicMemory({ budget: 8, inputSize: 3, classCount: 4, policy: 'herding' });
    memory.write(batchOf(new Array(count).fill(0), 0, 3, 0, { features, featureSize }));
    expect(storedIds(memory)).toEqual(chosen);
    // Class 1 arrives: class 0 keeps its first 4 exemplars.
    memory.write(batchOf(new Array(count).fill(1), 1, 3, 1000, { features, featureSize }));
    const kept = storedIds(memory).filter((id) => id < 1000);
    expect(kept.sort((a, b) => a - b)).toEqual(chosen.slice(0, 4).sort((a, b) => a - b));
    expect(
      storedIds(memory)
        .filter((id) => id >= 1000)
        .sort((a, b) => a - b),
    ).toEqual(
      chosen
        .slice(0, 4)
        .map((i) => i + 1000)
        .sort((a, b) => a - b),
    );
  });
});

describe('EpisodicMemory.rowsToStore', () => {
  it.each(['reservoir', 'class-balanced'] as const)(
    '%s: names exactly the rows a write stores, and changes nothing',
    (policy) => {
      const options: EpisodicMemoryOptions = { ...base, budget: 12, logitSize: 2, policy, seed: 7 };
      const memory = new EpisodicMemory(options);
      let firstId = 1;
      // Four tasks of two classes, 40 examples each: the memory fills, then every write replaces.
      for (let task = 0; task < 4; task++) {
        const labels = Array.from({ length: 40 }, (_, row) => 2 * task + (row % 3 === 0 ? 1 : 0));
        const before = memory.toState();
        const planned = Array.from(memory.rowsToStore({ labels, task }));
        expect(memory.toState()).toEqual(before);
        // The reference: a write whose examples name their rows (ids firstId + row), then the ids stored from this task.
        const logits = new Float32Array(labels.length * 2).map((_, index) => index + 0.5);
        const written = EpisodicMemory.fromState(before);
        written.write(batchOf(labels, task, 3, firstId, { logits }));
        const { tasks } = written.contents();
        const stored = storedIds(written)
          .filter((_, slot) => tasks[slot] === task)
          .map((id) => id - firstId)
          .sort((a, b) => a - b);
        expect(planned).toEqual(stored);
        expect(planned.length).toBeGreaterThan(0);
        // Logits computed for the planned rows only (zeros elsewhere) store what every row's would.
        const sparse = new Float32Array(logits.length);
        for (const row of planned) sparse.set(logits.subarray(row * 2, row * 2 + 2), row * 2);
        memory.write(batchOf(labels, task, 3, firstId, { logits: sparse }));
        expect(memory.toState()).toEqual(written.toState());
        firstId += labels.length;
      }
    },
  );

  it('refuses the policies that choose by each row, and bad labels, naming the fix', () => {
    for (const policy of ['importance', 'herding'] as const) {
      const memory = new EpisodicMemory({ ...base, policy });
      expect(codeOf(() => memory.rowsToStore({ labels: [0, 1], task: 0 }))).toBe('UNKNOWN_WRITE_POLICY');
      expect(() => memory.rowsToStore({ labels: [0, 1], task: 0 })).toThrow(/call write\(\)/);
    }
    const memory = new EpisodicMemory(base);
    expect(codeOf(() => memory.rowsToStore({ labels: [0, 10], task: 0 }))).toBe('LABEL_OUT_OF_RANGE');
  });
});

describe('EpisodicMemory replay', () => {
  it('samples distinct stored examples, seeded, and counts replay hits', () => {
    const make = () => {
      const memory = new EpisodicMemory({ ...base, budget: 20, logitSize: 2, seed: 3 });
      const labels = Array.from({ length: 20 }, (_, i) => i % 10);
      memory.write(batchOf(labels, 0, 3, 0, { logits: Float32Array.from({ length: 40 }, (_, i) => i) }));
      return memory;
    };
    const memory = make();
    const drawn = memory.sample(8);
    expect(new Set(drawn.slots).size).toBe(8);
    drawn.slots.forEach((slot, row) => {
      expect(drawn.inputs[row * 3]).toBe(slot); // written in order: slot i holds example i
      expect(Array.from(drawn.logits.subarray(row * 2, row * 2 + 2))).toEqual([2 * slot, 2 * slot + 1]);
      expect(drawn.labels[row]).toBe(slot % 10);
    });
    expect(make().sample(8).slots).toEqual(drawn.slots);
    expect(memory.stats()).toMatchObject({ replayHits: 8, samples: 1, size: 20, fill: 1 });
  });

  it.each(['cpu', 'wasm'] as const)(
    'draws the same examples without copying inputs ({ inputs: false }) and gives them by slot as a tensor (inputsOf, %s)',
    async (backend) => {
      await initBackend({ backends: backend });
      const make = () => {
        const memory = new EpisodicMemory({ ...base, budget: 20, logitSize: 2, seed: 5 });
        memory.write(
          batchOf(
            Array.from({ length: 20 }, (_, i) => i % 10),
            0,
            3,
            0,
            { logits: new Float32Array(40).fill(1) },
          ),
        );
        return memory;
      };
      const [copied, lean] = [make().sample(6), make().sample(6, { inputs: false })];
      expect(lean.inputs.length).toBe(0);
      expect(lean.slots).toEqual(copied.slots);
      expect(lean.labels).toEqual(copied.labels);
      expect(lean.logits).toEqual(copied.logits);
      const memory = make();
      const inputs = memory.inputsOf(copied.slots);
      expect(inputs.shape).toEqual([6, 3]);
      expect(inputs.dataSync()).toEqual(copied.inputs);
      inputs.dispose();
      expect(codeOf(() => memory.inputsOf([0, 20]))).toBe('INVALID_OPTION');
      await initBackend({ backends: 'cpu' });
    },
  );

  it('sampleTensors makes tensors the caller owns and leaks nothing else', async () => {
    const memory = new EpisodicMemory({ ...base, logitSize: 10 });
    memory.write(batchOf([1, 2, 3], 0, 3, 0, { logits: new Float32Array(30) }));
    const leaked = await tensorsLeakedBy(() => {
      const replay = memory.sampleTensors(2);
      expect(replay.inputs.shape).toEqual([2, 3]);
      expect(replay.labels.dtype).toBe('int32');
      expect(replay.logits!.shape).toEqual([2, 10]);
      tf.dispose([replay.inputs, replay.labels, replay.logits!]);
    });
    expect(leaked).toBe(0);
  });

  it('round-trips its state exactly, generator position included', () => {
    for (const policy of ['reservoir', 'class-balanced', 'importance', 'herding'] as const) {
      const memory = new EpisodicMemory({ budget: 12, inputSize: 3, classCount: 6, logitSize: 2, policy, seed: 5 });
      const labels = Array.from({ length: 30 }, (_, i) => i % 4);
      const extra = {
        logits: Float32Array.from({ length: 60 }, (_, i) => i / 7),
        importance: Float32Array.from({ length: 30 }, (_, i) => (i * 37) % 11),
        features: Float32Array.from({ length: 60 }, (_, i) => Math.sin(i)),
        featureSize: 2,
      };
      memory.write(batchOf(labels, 0, 3, 0, extra));
      memory.sample(3);
      const restored = EpisodicMemory.fromState(memory.toState());
      expect(restored.stats()).toEqual(memory.stats());
      expect(restored.sample(5)).toEqual(memory.sample(5));
      const more = batchOf([4, 5, 4, 5, 4, 5], 1, 3, 100, {
        ...extra,
        logits: extra.logits.slice(0, 12),
        importance: extra.importance.slice(0, 6),
        features: extra.features.slice(0, 12),
      });
      restored.write(more);
      memory.write(more);
      expect(restored.toState()).toEqual(memory.toState());
    }
  });
});

describe('EpisodicMemory bad input', () => {
  it('names each mistake with its own code', () => {
    expect(codeOf(() => new EpisodicMemory({ ...base, budget: 0 }))).toBe('BUDGET_TOO_SMALL');
    expect(codeOf(() => new EpisodicMemory({ ...base, budget: 9 }))).toBe('BUDGET_TOO_SMALL');
    expect(codeOf(() => new EpisodicMemory({ ...base, policy: 'fifo' as never }))).toBe('UNKNOWN_WRITE_POLICY');
    const memory = new EpisodicMemory(base);
    memory.write(batchOf([0, 1, 2], 0));
    expect(codeOf(() => memory.sample(4))).toBe('REPLAY_BATCH_TOO_LARGE');
    expect(codeOf(() => new EpisodicMemory(base).sample(1))).toBe('REPLAY_BATCH_TOO_LARGE');
    expect(codeOf(() => memory.write(batchOf([3, 10], 1)))).toBe('LABEL_OUT_OF_RANGE');
    expect(codeOf(() => memory.write(batchOf([3, -1], 1)))).toBe('LABEL_OUT_OF_RANGE');
    expect(codeOf(() => memory.write({ inputs: new Float32Array(5), labels: [1, 2], task: 0 }))).toBe('EPISODE_SHAPE_MISMATCH');
    expect(codeOf(() => new EpisodicMemory({ ...base, policy: 'herding' }).write(batchOf([1], 0)))).toBe(
      'EPISODE_SHAPE_MISMATCH',
    );
  });

  it('says the fix in the message', () => {
    expect(() => new EpisodicMemory({ ...base, budget: 4 })).toThrow(/at least classCount \(10\).*raise the budget/);
    expect(() => new EpisodicMemory({ ...base, policy: 'fifo' as never })).toThrow(
      /'reservoir', 'class-balanced', 'importance', 'herding'/,
    );
    const memory = new EpisodicMemory(base);
    memory.write(batchOf([0, 1], 0));
    expect(() => memory.sample(5)).toThrow(/ask for 1 to 2/);
    expect(() => memory.write(batchOf([12], 0))).toThrow(/Label 12 of example 0 is outside the classes \[0, 10\)/);
  });
});
