import * as tf from '@tensorflow/tfjs-core';
import { normalizeRows, normalizeRowsGradient, softmaxGradient } from '@holomind/tensor-kernels';

// Smallest norm a cosine similarity divides by, as memoryAttention's composite route uses.
const COSINE_EPSILON = 1e-8;
// Added to the scores of empty slots: exp of it underflows to exactly 0 next to any filled slot.
const EMPTY_SLOT_SCORE = -1e30;

/**
 * What a read needs of a non-trainable memory, laid out heads first and transposed once (per write,
 * not per read): tfjs-backend-wasm 4.22 runs a matMul with a transposed operand 5-10x slower than a
 * plain one, so every product of the read and of its gradient takes these plain. With one head the
 * tensors are 2-D (no head axis): the read then runs on [B, d] rows without a reshape, each of which
 * is a kernel call (~10 µs inside a wasm training step, measured).
 */
export interface ReadLayout {
  /** Normalised keys (cosine) or the keys (dot), times the similarity's scale, [H, M, d] ([M, d] with one head). */
  keys: tf.Tensor2D | tf.Tensor3D;
  /** Their transpose, [H, d, M] ([d, M]). */
  keysTransposed: tf.Tensor2D | tf.Tensor3D;
  /** Values, [H, M, dv] ([M, dv]). */
  values: tf.Tensor2D | tf.Tensor3D;
  /** Their transpose, [H, dv, M] ([dv, M]). */
  valuesTransposed: tf.Tensor2D | tf.Tensor3D;
  /** 0 for filled slots, a large negative score for empty ones, [M]; absent when every slot is filled. */
  emptyScore?: tf.Tensor1D;
}

/** Builds a {@link ReadLayout} from keys [M, H, d], values [M, H, dv], the filled mask [M] and the similarity's scale; kept tensors. */
export function buildReadLayout(
  keys: tf.Tensor3D,
  values: tf.Tensor3D,
  mask: tf.Tensor1D,
  cosine: boolean,
  full: boolean,
  scale: number,
): ReadLayout {
  const [slots, heads] = keys.shape;
  // [M, H, x] -> [H, M, x], or [M, x] with one head.
  const headsFirst = (x: tf.Tensor3D) => (heads === 1 ? tf.reshape(x, [slots, x.shape[2]]) : tf.transpose(x, [1, 0, 2]));
  // The last two axes swapped.
  const transposed = (x: tf.Tensor) => tf.transpose(x, heads === 1 ? [1, 0] : [0, 2, 1]);
  let layout: ReadLayout | undefined;
  tf.tidy(() => {
    // The similarity's scale is folded into the keys: scores and the query's gradient both take it.
    const byHead = headsFirst(
      (cosine ? normalizeRows(keys, COSINE_EPSILON, scale).normalized : tf.mul(keys, scale)) as tf.Tensor3D,
    );
    const valuesByHead = headsFirst(values);
    layout = {
      keys: tf.keep(byHead),
      keysTransposed: tf.keep(transposed(byHead)),
      values: tf.keep(valuesByHead),
      valuesTransposed: tf.keep(transposed(valuesByHead)),
    } as ReadLayout;
    if (!full) layout.emptyScore = tf.keep(tf.mul(tf.sub(1, mask), EMPTY_SLOT_SCORE)) as tf.Tensor1D;
  });
  return layout!;
}

/** Releases a {@link ReadLayout}. */
export function disposeReadLayout(layout: ReadLayout | undefined): void {
  if (layout) tf.dispose([layout.keys, layout.keysTransposed, layout.values, layout.valuesTransposed, layout.emptyScore]);
}

/**
 * Attention read of a non-trainable memory, differentiable with respect to the query only:
 * per head, w = softmax(q̂ · (scale · K̂)ᵀ) over filled slots, output w · V. One custom-gradient op
 * whose backward is the closed form with plain products:
 * dw = dout · Vᵀ, ds = w ⊙ (dw − Σ_m w dw), dq̂ = ds · (scale · K̂), and for cosine
 * dq = (dq̂ − q̂ (q̂ · dq̂)) / |q| (dq̂ / ε where |q| ≤ ε, as the clamped norm's derivative says).
 * @param query [B, H, d], or [B, d] when the layout has one head (2-D)
 * @param layoutOf the memory's {@link ReadLayout}, called inside the op's forward so that a layout
 *   rebuilt after a write goes on no gradient tape either
 * @param options.onWeights called with the attention weights [B, H, M] ([B, M] for a 2-D query)
 *   inside the op's forward, where no gradient is recorded: what it computes from them (usage and
 *   hit statistics) costs no tape entries and no saved copies
 * @returns output [B, H, dv] ([B, dv] for a 2-D query)
 */
export function attentionRead<Q extends tf.Tensor2D | tf.Tensor3D>(
  query: Q,
  layoutOf: () => ReadLayout,
  options: { cosine: boolean; onWeights?: (weights: Q) => void },
): Q {
  const rows = query.rank === 2;
  // [B, H, x] <-> [H, B, x]; rows (one head) need neither.
  const swapHeads = (x: tf.Tensor) => (rows ? x : tf.transpose(x, [1, 0, 2]));
  // The layout is built (after a write) here, inside the op, where its kernels go on no gradient tape.
  let layout: ReadLayout | undefined;
  const forward = (q: tf.Tensor) => {
    layout = layoutOf();
    const { normalized, norm } = options.cosine ? normalizeRows(q, COSINE_EPSILON) : { normalized: q, norm: undefined };
    let scores = tf.matMul(swapHeads(normalized), layout.keysTransposed); // [H, B, M], scaled through the keys
    if (layout.emptyScore) scores = tf.add(scores, layout.emptyScore);
    const attention = tf.softmax(scores);
    options.onWeights?.(swapHeads(attention) as Q);
    const output = swapHeads(tf.matMul(attention, layout.values)) as Q; // [B, H, dv]
    return { output, attention, normalized, norm };
  };
  if (!tf.engine().isTapeOn()) {
    return tf.tidy(() => forward(query).output);
  }
  const op = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
    const save = args[1] as tf.GradSaveFunc;
    const { output, attention, normalized, norm } = forward(args[0] as tf.Tensor);
    save(norm ? [attention, normalized, norm] : [attention]);
    return {
      value: output,
      gradFunc: (dy: tf.Tensor | tf.Tensor[], saved: tf.Tensor[]) => {
        const [w, normalized, queryNorm] = saved as [tf.Tensor, tf.Tensor?, tf.Tensor?];
        const { keys, valuesTransposed } = layout!;
        const dWeights = tf.matMul(swapHeads(dy as tf.Tensor), valuesTransposed); // [H, B, M]
        const dNormalized = swapHeads(tf.matMul(softmaxGradient(w, dWeights), keys)); // [B, H, d], scaled through the keys
        if (!normalized || !queryNorm) return dNormalized;
        return normalizeRowsGradient(normalized, dNormalized, queryNorm, COSINE_EPSILON);
      },
    };
  });
  return op(query) as Q;
}
