import type * as tf from '@tensorflow/tfjs-core';
import { TensorKernelsError } from '../errors.js';
import { checkArgument, expectEqual, expectFloat32 } from '../validate.js';
import type { MemoryAttentionOptions, Similarity } from './memory-attention-options.js';

const SIMILARITIES: readonly Similarity[] = ['dot', 'cosine'];

/** Sizes of one attention call, after its inputs were checked. */
export interface AttentionSizes {
  batch: number;
  heads: number;
  keyDim: number;
  valueDim: number;
  slots: number;
}

/** Checks shapes, dtypes and options of a memoryAttention call; errors name the argument. */
export function validateAttention(
  query: tf.Tensor,
  keys: tf.Tensor,
  values: tf.Tensor,
  options: MemoryAttentionOptions,
): AttentionSizes {
  expectFloat32('query', query, 3, '[batch, heads, dim]');
  expectFloat32('keys', keys, 3, '[slots, heads, dim]');
  expectFloat32('values', values, 3, '[slots, heads, valueDim]');
  const [batch, heads, keyDim] = query.shape as [number, number, number];
  const [slots, keyHeads, keysDim] = keys.shape as [number, number, number];
  const [valueSlots, valueHeads, valueDim] = values.shape as [number, number, number];
  if (slots === 0) {
    throw new TensorKernelsError(
      'INVALID_ARGUMENT',
      'keys has M = 0 slots; the memory must hold at least one slot (mask empty ones instead).',
    );
  }
  expectEqual(
    'keys heads (keys.shape[1]) differ from query heads (query.shape[1])',
    keyHeads,
    heads,
    'use the same number of heads',
  );
  expectEqual(
    'keys dim (keys.shape[2]) differs from query dim (query.shape[2])',
    keysDim,
    keyDim,
    'project queries and keys to the same width',
  );
  expectEqual(
    'values slots (values.shape[0]) differ from keys slots (keys.shape[0])',
    valueSlots,
    slots,
    'store one value per key',
  );
  expectEqual(
    'values heads (values.shape[1]) differ from query heads (query.shape[1])',
    valueHeads,
    heads,
    'use the same number of heads',
  );
  if (options.mask !== undefined) {
    expectFloat32('mask', options.mask, 1, '[slots]');
    expectEqual(
      'mask length differs from the number of slots (keys.shape[0])',
      options.mask.shape[0],
      slots,
      'give one 0/1 entry per slot',
    );
  }
  checkArgument.oneOf('similarity', options.similarity ?? 'dot', SIMILARITIES);
  checkArgument.positiveNumber('beta', options.beta ?? 1);
  return { batch, heads, keyDim, valueDim, slots };
}
