import { describeValue, optionValidators } from '@holomind/core';
import type { Similarity } from '@holomind/tensor-kernels';
import { MemoryError } from './errors.js';

/** Which filled slot a write replaces once the memory is full. */
export type WritePolicy = 'least-used' | 'least-important';

const WRITE_POLICIES: readonly WritePolicy[] = ['least-used', 'least-important'];
const SIMILARITIES: readonly Similarity[] = ['cosine', 'dot'];

/** Options of {@link ExternalMemory}. Sizes are per head: a query row holds `heads · keySize` numbers. */
export interface ExternalMemoryOptions {
  /** Number of slots M. */
  slots: number;
  /** Key width per head d. */
  keySize: number;
  /** Value width per head dv. Default `keySize` (the memory then stores the written vectors themselves, as in Santoro et al. 2016). */
  valueSize?: number;
  /** Attention heads H. Default 1. */
  heads?: number;
  /** How queries meet keys (see `memoryAttention`). Default `cosine`, the content-based read of MANN. */
  similarity?: Similarity;
  /** Key strength for `cosine`: larger is sharper. Default 10. */
  beta?: number;
  /** Keys and values are trainable `tf.Variable`s that gradients may update. Default false: only writes change them. */
  trainable?: boolean;
  /** Which slot a write replaces when none is empty. Default `least-used`. */
  writePolicy?: WritePolicy;
  /** Items whose importance is below this are not written. Default 0. */
  importanceThreshold?: number;
  /** Usage decay γ in (0, 1] applied at every read and write call: usage ← γ·usage + weights. Default 0.95. */
  usageDecay?: number;
  /** A query counts as a hit when its largest attention weight (mean over heads) reaches this. Default 0.5. */
  hitThreshold?: number;
  /** Factor in (0, 1] that {@link ExternalMemory.cleanup} multiplies usage and importance by. Default 0.5. */
  cleanupDecay?: number;
  /** cleanup evicts slots whose score (usage, or importance under `least-important`) falls below this. Default 0.05. */
  evictBelow?: number;
  /** cleanup keeps at least this fraction of the filled slots, the highest-scoring ones. Default 0.25. */
  minKeepFraction?: number;
}

/** {@link ExternalMemoryOptions} with every default filled in; what `toState` records. */
export type ResolvedMemoryOptions = Required<ExternalMemoryOptions>;

const validate = optionValidators((message) => new MemoryError('INVALID_OPTION', message));

/** A decay factor in (0, 1]: core's ranges close the low end, and a factor of 0 would erase the memory at once. */
function decayFactor(name: string, value: unknown): number {
  if (typeof value !== 'number' || !(value > 0 && value <= 1)) {
    throw new MemoryError('INVALID_OPTION', `${name} must be in (0, 1], got ${describeValue(value)}.`);
  }
  return value;
}

/** Fills defaults and checks every option; errors name the option and the accepted range. */
export function resolveMemoryOptions(options: ExternalMemoryOptions): ResolvedMemoryOptions {
  if (typeof options !== 'object' || options === null) {
    throw new MemoryError('INVALID_OPTION', 'ExternalMemory needs an options object such as { slots: 128, keySize: 32 }.');
  }
  const keySize = validate.positiveInteger('keySize', options.keySize);
  return {
    slots: validate.positiveInteger('slots', options.slots),
    keySize,
    valueSize: validate.positiveInteger('valueSize', options.valueSize ?? keySize),
    heads: validate.positiveInteger('heads', options.heads ?? 1),
    similarity: validate.oneOf('similarity', options.similarity ?? 'cosine', SIMILARITIES),
    beta: validate.positiveNumber('beta', options.beta ?? 10),
    trainable: options.trainable ?? false,
    writePolicy: validate.oneOf('writePolicy', options.writePolicy ?? 'least-used', WRITE_POLICIES),
    importanceThreshold: validate.finiteNumber('importanceThreshold', options.importanceThreshold ?? 0),
    usageDecay: decayFactor('usageDecay', options.usageDecay ?? 0.95),
    hitThreshold: validate.numberInRange('hitThreshold', options.hitThreshold ?? 0.5, 0, 1),
    cleanupDecay: decayFactor('cleanupDecay', options.cleanupDecay ?? 0.5),
    evictBelow: validate.nonNegativeNumber('evictBelow', options.evictBelow ?? 0.05),
    minKeepFraction: validate.numberInRange('minKeepFraction', options.minKeepFraction ?? 0.25, 0, 1),
  };
}
