import * as tf from '@tensorflow/tfjs-core';
import type { SeededRandom } from '@holomind/core';
import { NetworkError } from './errors.js';

/** How a new parameter starts. `glorot`: uniform in ±sqrt(6 / (fanIn + fanOut)) (Glorot & Bengio 2010). */
export type Initializer = { kind: 'glorot'; fanIn: number; fanOut: number } | { kind: 'zeros' } | { kind: 'ones' };

/**
 * Creates and owns a network's variables under stable path names (`columns.1.lateral1.scale`), the
 * names `toState` uses. New parameters draw from the seeded generator in creation order.
 */
export class ParameterStore {
  private readonly variables = new Map<string, tf.Variable>();

  constructor(private readonly random: SeededRandom) {}

  /** A new trainable variable named `name`. */
  create(name: string, shape: number[], initializer: Initializer): tf.Variable {
    if (this.variables.has(name)) throw new Error(`Parameter '${name}' created twice`);
    const size = shape.reduce((a, b) => a * b, 1);
    const values = this.initialValues(size, initializer);
    const variable = tf.tidy(() => tf.variable(tf.tensor(values, shape, 'float32'), true));
    this.variables.set(name, variable);
    return variable;
  }

  /** Every variable by name, in creation order. */
  entries(): [string, tf.Variable][] {
    return [...this.variables.entries()];
  }

  /** Copies of every variable's values, by name. */
  toArrays(): Record<string, Float32Array> {
    const arrays: Record<string, Float32Array> = {};
    for (const [name, variable] of this.variables) arrays[name] = Float32Array.from(variable.dataSync() as Float32Array);
    return arrays;
  }

  dispose(): void {
    tf.dispose([...this.variables.values()]);
    this.variables.clear();
  }

  private initialValues(size: number, initializer: Initializer): Float32Array {
    switch (initializer.kind) {
      case 'glorot':
        return this.random.uniform(size, Math.sqrt(6 / (initializer.fanIn + initializer.fanOut)));
      case 'zeros':
        return new Float32Array(size);
      case 'ones':
        return new Float32Array(size).fill(1);
    }
  }

  /**
   * Overwrites every variable with saved values, bit for bit. The names must match exactly: a
   * missing or extra array means the state belongs to another architecture.
   */
  load(arrays: Readonly<Record<string, Float32Array>>): void {
    const extra = Object.keys(arrays).filter((name) => !this.variables.has(name));
    if (extra.length > 0) {
      throw new NetworkError(
        'STATE_MISMATCH',
        `State arrays ${extra.map((n) => `'${n}'`).join(', ')} match no parameter of this architecture; the config and arrays come from different networks.`,
      );
    }
    for (const [name, variable] of this.variables) {
      const values = arrays[name];
      if (!(values instanceof Float32Array) || values.length !== variable.size) {
        throw new NetworkError(
          'STATE_MISMATCH',
          `State array '${name}' must be a Float32Array of ${variable.size} values for this architecture, got ` +
            `${values ? `${values.constructor.name} of ${values.length}` : 'nothing'}; restore the state exactly as toState() returned it.`,
        );
      }
    }
    tf.tidy(() => {
      for (const [name, variable] of this.variables) variable.assign(tf.tensor(arrays[name]!, variable.shape, 'float32'));
    });
  }
}
