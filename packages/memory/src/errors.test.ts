import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { initBackend, disposeBackend } from '@holomind/tensor-kernels';
import { ExternalMemory } from './external-memory.js';
import type { MemoryErrorCode } from './errors.js';

beforeAll(() => initBackend({ backends: 'wasm' }));
afterAll(disposeBackend);

/** Matches a thrown MemoryError with this code. */
const memoryError = (code: MemoryErrorCode) => expect.objectContaining({ name: 'MemoryError', code });

describe('ExternalMemory errors', () => {
  it('rejects a query of the wrong width, naming both layouts it accepts', () => {
    const memory = new ExternalMemory({ slots: 4, keySize: 8, heads: 2 });
    const wide = tf.zeros([3, 12]) as tf.Tensor2D;
    const wrongHeads = tf.zeros([3, 4, 4]) as tf.Tensor3D;
    expect(() => memory.read(wide)).toThrow(
      'Memory query must have shape [batch, 16] (heads · size = 2 · 8) or [batch, 2, 8], got [3, 12]; project it to 16 features or build the memory with that width.',
    );
    expect(() => memory.read(wide)).toThrow(memoryError('QUERY_SHAPE_MISMATCH'));
    expect(() => memory.read(wrongHeads)).toThrow(memoryError('QUERY_SHAPE_MISMATCH'));
    const ints = tf.zeros([1, 16], 'int32') as tf.Tensor2D;
    expect(() => memory.read(ints)).toThrow(/must be float32, got int32/);
    expect(() => memory.write(wide, [1, 1, 1])).toThrow(memoryError('WRITE_SHAPE_MISMATCH'));
    tf.dispose([wide, wrongHeads, ints]);
    memory.dispose();
  });

  it('rejects importance of the wrong length or not finite', () => {
    const memory = new ExternalMemory({ slots: 4, keySize: 2 });
    const rows = tf.zeros([2, 2]);
    expect(() => memory.write(rows, [1])).toThrow('importance must hold one number per written row (2), got 1.');
    expect(() => memory.write(rows, [1, Number.NaN])).toThrow('importance[1] is NaN; every importance must be a finite number.');
    rows.dispose();
    memory.dispose();
  });

  it('rejects bad options, naming the option and its range', () => {
    expect(() => new ExternalMemory({ slots: 0, keySize: 4 })).toThrow('slots must be an integer >= 1, got 0.');
    expect(() => new ExternalMemory({ slots: 4, keySize: 4, usageDecay: 1.5 })).toThrow('usageDecay must be in (0, 1], got 1.5.');
    expect(() => new ExternalMemory({ slots: 4, keySize: 4, writePolicy: 'random' as 'least-used' })).toThrow(
      memoryError('INVALID_OPTION'),
    );
  });

  it('refuses use after dispose', () => {
    const memory = new ExternalMemory({ slots: 4, keySize: 2 });
    memory.dispose();
    expect(() => memory.stats()).toThrow(memoryError('DISPOSED'));
  });
});
