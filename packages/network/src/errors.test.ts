import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { disposeBackend, initBackend } from '@holomind/tensor-kernels';
import { ExternalMemory } from '@holomind/memory';
import type { NetworkErrorCode } from './errors.js';
import { ProgressiveNetwork } from './progressive-network.js';

beforeAll(() => initBackend({ backends: 'wasm' }));
afterAll(disposeBackend);

/** Matches a thrown NetworkError with this code. */
const networkError = (code: NetworkErrorCode) => expect.objectContaining({ name: 'NetworkError', code });

describe('ProgressiveNetwork errors', () => {
  it('names the known tasks when asked for an unknown one', () => {
    const network = new ProgressiveNetwork({ inputShape: [4], column: { hiddenSizes: [3] } });
    const inputs = tf.zeros([1, 4]);
    expect(() => network.forward(inputs, 'x')).toThrow(
      "Unknown task 'x'; known tasks: none yet. Add it first with addTask('x', { outputSize }).",
    );
    network.addTask('digits-0-1', { outputSize: 2 });
    network.addTask('digits-2-3', { outputSize: 2 });
    expect(() => network.forward(inputs, 'digits-4-5')).toThrow(
      "Unknown task 'digits-4-5'; known tasks: 'digits-0-1', 'digits-2-3'. Add it first with addTask('digits-4-5', { outputSize }).",
    );
    expect(() => network.columnVariables('nope')).toThrow(networkError('UNKNOWN_TASK'));
    expect(() => network.addTask('digits-0-1', { outputSize: 2 })).toThrow(networkError('DUPLICATE_TASK'));
    inputs.dispose();
    network.dispose();
  });

  it('refuses a column past maxColumns', () => {
    const network = new ProgressiveNetwork({ inputShape: [4], column: { hiddenSizes: [3] }, maxColumns: 2 });
    network.addTask('a', { outputSize: 2 });
    network.addTask('b', { outputSize: 2 });
    expect(() => network.addTask('c', { outputSize: 2 })).toThrow(
      "Cannot add task 'c': the network already has 2 columns, its maxColumns ('a', 'b'). Create the network with a larger maxColumns.",
    );
    expect(() => network.addTask('c', { outputSize: 2 })).toThrow(networkError('MAX_COLUMNS_REACHED'));
    expect(network.taskIds).toEqual(['a', 'b']);
    network.dispose();
  });

  it('rejects inputs of the wrong shape or type, saying how to fix them', () => {
    const flat = new ProgressiveNetwork({ inputShape: [784], extractor: { kind: 'none' }, column: { hiddenSizes: [3] } });
    flat.addTask('a', { outputSize: 2 });
    const images = tf.zeros([5, 28, 28]);
    const narrow = tf.zeros([5, 100]);
    const ints = tf.zeros([5, 784], 'int32');
    expect(() => flat.forward(images, 'a')).toThrow(
      'Expected inputs of shape [batch, 784], got [5, 28, 28]; reshape it to [5, 784].',
    );
    expect(() => flat.forward(narrow, 'a')).toThrow(
      'Expected inputs of shape [batch, 784], got [5, 100]; the network was built with inputShape [784].',
    );
    expect(() => flat.forward(ints, 'a')).toThrow(
      "Expected float32 inputs, got int32; convert them with tf.cast(inputs, 'float32').",
    );
    expect(() => flat.forward(images, 'a')).toThrow(networkError('INPUT_SHAPE_MISMATCH'));
    tf.dispose([images, narrow, ints]);
    flat.dispose();
  });

  it("rejects a memory query of the wrong width (the memory's own error)", () => {
    const memory = new ExternalMemory({ slots: 8, keySize: 4, heads: 2 });
    const network = new ProgressiveNetwork({ inputShape: [6], column: { hiddenSizes: [3] }, memory });
    network.addTask('a', { outputSize: 2 });
    expect(network.describe().memory).toMatchObject({ queryWidth: 8, readWidth: 8 });
    const query = tf.zeros([2, 6]) as tf.Tensor2D;
    expect(() => network.memory!.read(query)).toThrow(
      expect.objectContaining({
        name: 'MemoryError',
        code: 'QUERY_SHAPE_MISMATCH',
        message:
          'Memory query must have shape [batch, 8] (heads · size = 2 · 4) or [batch, 2, 4], got [2, 6]; project it to 8 features or build the memory with that width.',
      }),
    );
    query.dispose();
    network.dispose();
    memory.dispose();
  });

  it('rejects bad options, naming them', () => {
    expect(() => new ProgressiveNetwork({ inputShape: [4], extractor: { kind: 'conv', filters: [2] } })).toThrow(
      "A conv extractor needs inputShape [height, width, channels], got [4]; use kind 'mlp' for flat inputs.",
    );
    expect(() => new ProgressiveNetwork({ inputShape: [4], column: { dropout: 1 } })).toThrow(
      'column.dropout must be in [0, 1), got 1.',
    );
    const network = new ProgressiveNetwork({ inputShape: [4], column: { hiddenSizes: [3, 3] } });
    network.addTask('a', { outputSize: 2 });
    expect(() => network.addTask('b', { outputSize: 2, hiddenSizes: [5] })).toThrow(
      /has 1 hidden layers but earlier columns have 2/,
    );
    expect(() => network.addTask('c', { outputSize: 0 })).toThrow(networkError('INVALID_OPTION'));
    network.dispose();
    expect(() => network.describe()).toThrow(networkError('DISPOSED'));
  });
});
