import * as tf from '@tensorflow/tfjs-core';
import { validate } from './option-checks.js';

/** Non-linearities a layer may use. */
export type Activation = 'relu' | 'elu' | 'tanh' | 'sigmoid' | 'linear';

const ACTIVATIONS: readonly Activation[] = ['relu', 'elu', 'tanh', 'sigmoid', 'linear'];

/** Throws INVALID_OPTION unless `value` names an activation. */
export function checkActivation(name: string, value: unknown): Activation {
  return validate.oneOf(name, value, ACTIVATIONS);
}

/** Applies `activation` element-wise. */
export function activate<T extends tf.Tensor>(x: T, activation: Activation): T {
  switch (activation) {
    case 'relu':
      return tf.relu(x);
    case 'elu':
      return tf.elu(x);
    case 'tanh':
      return tf.tanh(x);
    case 'sigmoid':
      return tf.sigmoid(x);
    case 'linear':
      return x;
  }
}
