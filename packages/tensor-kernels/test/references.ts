// Independent float64 references written with plain loops; the kernels are checked against these.

import type { AttentionSizes } from '../src/attention/validate-attention.js';

/** Attention of [B,H,d] queries over [M,H,d] keys / [M,H,dv] values, in float64. */
export function float64Attention(
  query: ArrayLike<number>,
  keys: ArrayLike<number>,
  values: ArrayLike<number>,
  sizes: AttentionSizes,
  options: { similarity: 'dot' | 'cosine'; beta?: number; mask?: ArrayLike<number> },
): { output: Float64Array; weights: Float64Array } {
  const { batch, heads, keyDim, valueDim, slots } = sizes;
  const output = new Float64Array(batch * heads * valueDim);
  const weights = new Float64Array(batch * heads * slots);
  const norm = (data: ArrayLike<number>, offset: number) => {
    let sum = 0;
    for (let i = 0; i < keyDim; i++) sum += data[offset + i]! ** 2;
    return Math.max(Math.sqrt(sum), 1e-8);
  };
  for (let b = 0; b < batch; b++) {
    for (let h = 0; h < heads; h++) {
      const qOffset = (b * heads + h) * keyDim;
      const scores = new Float64Array(slots);
      let max = -Infinity;
      for (let m = 0; m < slots; m++) {
        const kOffset = (m * heads + h) * keyDim;
        let dot = 0;
        for (let i = 0; i < keyDim; i++) dot += query[qOffset + i]! * keys[kOffset + i]!;
        scores[m] =
          options.similarity === 'dot'
            ? dot / Math.sqrt(keyDim)
            : ((options.beta ?? 1) * dot) / (norm(query, qOffset) * norm(keys, kOffset));
        if (!options.mask || options.mask[m]! > 0) max = Math.max(max, scores[m]!);
      }
      let total = 0;
      const exps = new Float64Array(slots);
      for (let m = 0; m < slots; m++) {
        exps[m] = !options.mask || options.mask[m]! > 0 ? Math.exp(scores[m]! - max) : 0;
        total += exps[m]!;
      }
      for (let m = 0; m < slots; m++) {
        const w = total > 0 ? exps[m]! / total : 0;
        weights[(b * heads + h) * slots + m] = w;
        for (let j = 0; j < valueDim; j++) output[(b * heads + h) * valueDim + j]! += w * values[(m * heads + h) * valueDim + j]!;
      }
    }
  }
  return { output, weights };
}

/** The empirical Fisher diagonal of a dense layer from X [N,in] and G [N,out], in float64. */
export function float64DenseFisher(
  inputs: Float32Array,
  gradients: Float32Array,
  samples: number,
  inUnits: number,
  outUnits: number,
): { kernel: Float64Array; bias: Float64Array } {
  const kernel = new Float64Array(inUnits * outUnits);
  const bias = new Float64Array(outUnits);
  for (let n = 0; n < samples; n++) {
    for (let j = 0; j < outUnits; j++) {
      const g = gradients[n * outUnits + j]!;
      bias[j]! += (g * g) / samples;
      for (let i = 0; i < inUnits; i++) {
        const w = inputs[n * inUnits + i]! * g; // sample n's gradient of W[i][j]
        kernel[i * outUnits + j]! += (w * w) / samples;
      }
    }
  }
  return { kernel, bias };
}

/**
 * Gradients of the scalar L = Σ outputWeights∘O + Σ weightWeights∘W (O and W from
 * float64Attention) with respect to every entry of query, keys and values, by central differences
 * in float64 (step 1e-5: truncation ~1e-10, rounding ~1e-11).
 */
export function finiteDifferenceAttentionGradients(
  query: ArrayLike<number>,
  keys: ArrayLike<number>,
  values: ArrayLike<number>,
  sizes: AttentionSizes,
  options: { similarity: 'dot' | 'cosine'; beta?: number; mask?: ArrayLike<number> },
  outputWeights: ArrayLike<number>,
  weightWeights?: ArrayLike<number>,
): { query: Float64Array; keys: Float64Array; values: Float64Array } {
  const inputs = [Float64Array.from(query), Float64Array.from(keys), Float64Array.from(values)] as const;
  const loss = () => {
    const { output, weights } = float64Attention(inputs[0], inputs[1], inputs[2], sizes, options);
    let total = 0;
    for (let i = 0; i < output.length; i++) total += outputWeights[i]! * output[i]!;
    if (weightWeights) for (let i = 0; i < weights.length; i++) total += weightWeights[i]! * weights[i]!;
    return total;
  };
  const step = 1e-5;
  const [dQuery, dKeys, dValues] = inputs.map((input) => {
    const gradient = new Float64Array(input.length);
    for (let i = 0; i < input.length; i++) {
      const saved = input[i]!;
      input[i] = saved + step;
      const up = loss();
      input[i] = saved - step;
      const down = loss();
      input[i] = saved;
      gradient[i] = (up - down) / (2 * step);
    }
    return gradient;
  }) as [Float64Array, Float64Array, Float64Array];
  return { query: dQuery, keys: dKeys, values: dValues };
}
