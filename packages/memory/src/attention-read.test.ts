import * as tf from '@tensorflow/tfjs-core';
import { afterAll, describe, expect, it } from 'vitest';
import { disposeBackend, initBackend } from '@holomind/tensor-kernels';
import { maxRelativeDifference, seededValues, tensorsLeakedBy } from '@holomind/testing';
import { referenceCosineRead, type ReferenceMemory } from '../test/reference.js';
import { ExternalMemory, type ReadOptions } from './external-memory.js';

afterAll(disposeBackend);

const SLOTS = 12;
const KEY_SIZE = 5;
const BATCH = 7;

interface Setting {
  heads: number;
  similarity: 'cosine' | 'dot';
  /** Items written: fewer than SLOTS leaves slots empty (masked). */
  items: number;
}

const SETTINGS: Setting[] = [
  { heads: 1, similarity: 'cosine', items: SLOTS },
  { heads: 1, similarity: 'cosine', items: 5 },
  { heads: 2, similarity: 'cosine', items: 9 },
  { heads: 2, similarity: 'dot', items: SLOTS },
];

function memoryOf({ heads, similarity, items }: Setting): ExternalMemory {
  const memory = new ExternalMemory({ slots: SLOTS, keySize: KEY_SIZE, heads, similarity, beta: 4, hitThreshold: 0.3 });
  const keys = tf.tensor2d(seededValues(items * heads * KEY_SIZE, 3), [items, heads * KEY_SIZE]);
  memory.write(
    keys,
    Array.from({ length: items }, (_, i) => 1 + i),
  );
  keys.dispose();
  return memory;
}

// Output, gradient of Σ output·probe with respect to the query, and the usage / hits it leaves.
async function readTrace(setting: Setting, kernels: ReadOptions['kernels']) {
  const memory = memoryOf(setting);
  const width = setting.heads * KEY_SIZE;
  const query = tf.tensor2d(seededValues(BATCH * width, 5), [BATCH, width]);
  const probe = tf.tensor2d(seededValues(BATCH * width, 6), [BATCH, width]);
  try {
    const output = await memory.read(query, { kernels, track: false }).data();
    const gradient = tf.grad((q: tf.Tensor) => tf.sum(tf.mul(memory.read(q as tf.Tensor2D, { kernels }), probe)))(query);
    const stats = memory.stats();
    const usage = memory.toState().arrays.usage;
    const state = memory.toState().arrays;
    const reference: ReferenceMemory = {
      slots: SLOTS,
      heads: setting.heads,
      keySize: KEY_SIZE,
      valueSize: KEY_SIZE,
      keys: Float64Array.from(state.keys),
      values: Float64Array.from(state.values),
      filled: Uint8Array.from(state.mask),
    };
    const result = {
      output,
      gradient: await gradient.data(),
      usage,
      hits: stats.hits,
      float64: float64Gradient(reference, await query.data(), await probe.data()),
    };
    gradient.dispose();
    return result;
  } finally {
    tf.dispose([query, probe]);
    memory.dispose();
  }
}

// d/dq Σ read(q)·probe in float64 by central differences of the float64 cosine read (β = 4).
function float64Gradient(memory: ReferenceMemory, query: ArrayLike<number>, probe: ArrayLike<number>): Float64Array {
  const objective = (q: Float64Array) =>
    referenceCosineRead(memory, q, BATCH, 4).output.reduce((sum, value, i) => sum + value * probe[i]!, 0);
  const point = Float64Array.from(query);
  return point.map((value, i) => {
    const step = 1e-6;
    point[i] = value + step;
    const up = objective(point);
    point[i] = value - step;
    const down = objective(point);
    point[i] = value;
    return (up - down) / (2 * step);
  });
}

describe('ExternalMemory fused read (non-trainable memory, off WebGPU)', () => {
  for (const backend of ['wasm', 'cpu'] as const) {
    for (const setting of SETTINGS) {
      const name = `${setting.heads} head(s), ${setting.similarity}, ${setting.items}/${SLOTS} slots filled`;
      it(`output, usage and hits equal memoryAttention's composite route within 1e-5, the gradient a float64 loop, on ${backend}: ${name}`, async () => {
        await initBackend({ backends: backend });
        const fused = await readTrace(setting, 'fused');
        const composite = await readTrace(setting, 'composite');
        expect(maxRelativeDifference(fused.output, composite.output, 1e-3)).toBeLessThan(1e-5);
        if (setting.similarity === 'cosine') {
          expect(maxRelativeDifference(fused.gradient, fused.float64, 1e-3)).toBeLessThan(1e-5);
        }
        // The composite gradient itself is off the float64 one by up to ~3e-5 here (measured), the fused one by < 6e-6.
        expect(maxRelativeDifference(fused.gradient, composite.gradient, 1e-3)).toBeLessThan(1e-4);
        expect(maxRelativeDifference(fused.usage, composite.usage, 1e-3)).toBeLessThan(1e-5);
        expect(fused.hits).toBe(composite.hits);
        expect(Math.max(...fused.gradient.map(Math.abs))).toBeGreaterThan(1e-4);
      });
    }
  }

  it('leaks no tensor over reads with gradients and writes that rebuild its layout', async () => {
    await initBackend({ backends: 'wasm' });
    const memory = memoryOf(SETTINGS[0]!);
    const query = tf.tensor2d(seededValues(BATCH * KEY_SIZE, 7), [BATCH, KEY_SIZE]);
    const step = () => {
      const gradient = tf.grad((q: tf.Tensor) => tf.sum(memory.read(q as tf.Tensor2D)))(query);
      memory.write(
        query,
        Array.from({ length: BATCH }, () => 1),
      );
      gradient.dispose();
    };
    step(); // builds the layout, which lives as long as the memory's keys do
    expect(await tensorsLeakedBy(() => [0, 1, 2].forEach(step))).toBe(0);
    memory.dispose();
    query.dispose();
  });
});
