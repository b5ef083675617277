import type { Similarity } from '@holomind/tensor-kernels';
import { MemoryError } from './errors.js';

/** Which filled slot a write replaces once the memory is full. */
export type WritePolicy = 'least-used' | 'least-important';

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

function positiveInteger(name: string, value: unknown): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value <= 0) {
    throw new MemoryError('INVALID_OPTION', `${name} must be a positive integer, got ${String(value)}.`);
  }
  return value;
}

function inRange(name: string, value: number, low: number, high: number, lowOpen: boolean): number {
  const aboveLow = lowOpen ? value > low : value >= low;
  if (typeof value !== 'number' || !Number.isFinite(value) || !aboveLow || value > high) {
    throw new MemoryError('INVALID_OPTION', `${name} must be in ${lowOpen ? '(' : '['}${low}, ${high}], got ${String(value)}.`);
  }
  return value;
}

/** Fills defaults and checks every option; errors name the option and the accepted range. */
export function resolveMemoryOptions(options: ExternalMemoryOptions): ResolvedMemoryOptions {
  if (typeof options !== 'object' || options === null) {
    throw new MemoryError('INVALID_OPTION', 'ExternalMemory needs an options object such as { slots: 128, keySize: 32 }.');
  }
  const keySize = positiveInteger('keySize', options.keySize);
  const similarity = options.similarity ?? 'cosine';
  if (similarity !== 'cosine' && similarity !== 'dot') {
    throw new MemoryError('INVALID_OPTION', `similarity must be 'cosine' or 'dot', got '${String(similarity)}'.`);
  }
  const writePolicy = options.writePolicy ?? 'least-used';
  if (writePolicy !== 'least-used' && writePolicy !== 'least-important') {
    throw new MemoryError(
      'INVALID_OPTION',
      `writePolicy must be 'least-used' or 'least-important', got '${String(writePolicy)}'.`,
    );
  }
  const importanceThreshold = options.importanceThreshold ?? 0;
  if (!Number.isFinite(importanceThreshold)) {
    throw new MemoryError('INVALID_OPTION', `importanceThreshold must be a finite number, got ${String(importanceThreshold)}.`);
  }
  return {
    slots: positiveInteger('slots', options.slots),
    keySize,
    valueSize: positiveInteger('valueSize', options.valueSize ?? keySize),
    heads: positiveInteger('heads', options.heads ?? 1),
    similarity,
    beta: inRange('beta', options.beta ?? 10, 0, Number.MAX_VALUE, true),
    trainable: options.trainable ?? false,
    writePolicy,
    importanceThreshold,
    usageDecay: inRange('usageDecay', options.usageDecay ?? 0.95, 0, 1, true),
    hitThreshold: inRange('hitThreshold', options.hitThreshold ?? 0.5, 0, 1, false),
    cleanupDecay: inRange('cleanupDecay', options.cleanupDecay ?? 0.5, 0, 1, true),
    evictBelow: inRange('evictBelow', options.evictBelow ?? 0.05, 0, Number.MAX_VALUE, false),
    minKeepFraction: inRange('minKeepFraction', options.minKeepFraction ?? 0.25, 0, 1, false),
  };
}
