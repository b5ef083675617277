import * as tf from '@tensorflow/tfjs-core';
import { addMany } from '@holomind/tensor-kernels';
import { EwcError } from './errors.js';

/** What one consolidation keeps of a parameter: its shape, anchor θ* and importance F. */
export interface AnchoredParameter {
  name: string;
  shape: number[];
  anchor: Float32Array;
  fisher: Float32Array;
}

/** One (θ*, F) set: a task in `separate` mode, the running one in `online` mode. */
export interface Consolidation {
  taskIds: string[];
  samples: number;
  parameters: Map<string, AnchoredParameter>;
}

/** Device-side form of Σ_t F_t (θ − θ*_t)² = A (θ − m)² + K, one (A, m) pair per parameter. */
export interface PenaltyTerms {
  perParameter: Map<string, { shape: number[]; importance: tf.Tensor; center: tf.Tensor }>;
  /** K = Σ_t Σ_i F_t,i (θ*_t,i − m_i)², in float64 on the host. */
  constant: number;
}

function sameShape(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((size, i) => size === b[i]);
}

/** Throws SHAPE_CHANGED naming the variable when `actual` differs from what was consolidated. */
export function expectShape(name: string, actual: readonly number[], consolidated: readonly number[]): void {
  if (!sameShape(actual, consolidated)) {
    throw new EwcError(
      'SHAPE_CHANGED',
      `Variable '${name}' has shape [${actual.join(', ')}] but was consolidated with shape [${consolidated.join(', ')}]; ` +
        'restore the original architecture, or start a new EwcConsolidator for the changed model.',
    );
  }
}

/**
 * Folds every consolidation into one quadratic per parameter, so the penalty costs the same for 1
 * or 100 tasks: with A = Σ_t F_t and m = Σ_t F_t θ*_t / A, Σ_t F_t (θ − θ*_t)² = A (θ − m)² + K
 * exactly. m and A are rounded to float32 before K is taken, so the identity holds for what the device sees.
 */
export function buildPenaltyTerms(consolidations: readonly Consolidation[]): PenaltyTerms {
  const combined = new Map<string, { shape: number[]; importance: Float64Array; weighted: Float64Array }>();
  for (const { parameters } of consolidations) {
    for (const { name, shape, anchor, fisher } of parameters.values()) {
      let entry = combined.get(name);
      if (!entry) {
        entry = { shape, importance: new Float64Array(fisher.length), weighted: new Float64Array(fisher.length) };
        combined.set(name, entry);
      }
      expectShape(name, shape, entry.shape);
      for (let i = 0; i < fisher.length; i++) {
        entry.importance[i]! += fisher[i]!;
        entry.weighted[i]! += fisher[i]! * anchor[i]!;
      }
    }
  }
  const centers = new Map<string, Float32Array>();
  for (const [name, { importance, weighted }] of combined) {
    centers.set(
      name,
      Float32Array.from(importance, (a, i) => (a > 0 ? weighted[i]! / a : 0)),
    );
  }
  let constant = 0;
  for (const { parameters } of consolidations) {
    for (const { name, anchor, fisher } of parameters.values()) {
      const center = centers.get(name)!;
      for (let i = 0; i < fisher.length; i++) constant += fisher[i]! * (anchor[i]! - center[i]!) ** 2;
    }
  }
  const perParameter = new Map(
    [...combined].map(([name, { shape, importance }]) => [
      name,
      {
        shape,
        importance: tf.keep(tf.tensor(Float32Array.from(importance), shape, 'float32')),
        center: tf.keep(tf.tensor(centers.get(name)!, shape, 'float32')),
      },
    ]),
  );
  return { perParameter, constant };
}

/** One protected variable and its folded quadratic: penalty contribution A (θ − m)². */
export interface PenaltyPair {
  variable: tf.Tensor;
  importance: tf.Tensor;
  center: tf.Tensor;
}

/**
 * λ/2 (Σ_p Σ_i A_p,i (θ_p,i − m_p,i)² + K) as one custom-gradient op: the forward takes
 * d = θ − m, Fd = A·d and Σ Fd·d per variable; the backward is the closed form ∂/∂θ = λ·Fd, saved
 * by the forward. tfjs's autodiff through sub/square/mul/sum would record eight ops per variable
 * and run a second pass of them; this records one op and its backward is one multiply per variable.
 */
export function quadraticPenalty(pairs: readonly PenaltyPair[], constant: number, lambda: number): tf.Scalar {
  if (pairs.length === 0) return tf.scalar((lambda / 2) * constant);
  const op = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
    const save = args.at(-1) as tf.GradSaveFunc;
    const scaled: tf.Tensor[] = []; // Fd per variable, what the gradient needs
    const sums = pairs.map(({ importance, center }, index) => {
      const difference = tf.sub(args[index] as tf.Tensor, center);
      const weighted = tf.mul(importance, difference);
      scaled.push(weighted);
      return tf.sum(tf.mul(weighted, difference));
    });
    save(scaled);
    const total = sums.length === 1 ? sums[0]! : addMany(sums); // addMany: WebGPU's addN fails past 7 inputs
    return {
      value: tf.mul(tf.add(total, constant), lambda / 2) as tf.Scalar,
      gradFunc: (dy: tf.Tensor | tf.Tensor[], saved: tf.Tensor[]) => {
        const factor = tf.mul(dy as tf.Tensor, lambda);
        return saved.map((weighted) => tf.mul(weighted, factor));
      },
    };
  });
  return op(...pairs.map(({ variable }) => variable)) as tf.Scalar;
}

/** Releases the device tensors of {@link buildPenaltyTerms}. */
export function disposePenaltyTerms(terms: PenaltyTerms | undefined): void {
  if (!terms) return;
  for (const { importance, center } of terms.perParameter.values()) tf.dispose([importance, center]);
}
