/** Float64 loops the memory's tests compare against; independent of the kernels under test. */

export interface ReferenceMemory {
  slots: number;
  heads: number;
  keySize: number;
  valueSize: number;
  keys: Float64Array; // [M, H, d]
  values: Float64Array; // [M, H, dv]
  filled: Uint8Array; // [M]
}

/** Content-based read beta·cos(q, k) over filled slots; weights [B, H, M], output [B, H, dv]. */
export function referenceCosineRead(memory: ReferenceMemory, query: ArrayLike<number>, batch: number, beta: number) {
  const { slots, heads, keySize: d, valueSize: dv, keys, values, filled } = memory;
  const weights = new Float64Array(batch * heads * slots);
  const output = new Float64Array(batch * heads * dv);
  for (let b = 0; b < batch; b++) {
    for (let h = 0; h < heads; h++) {
      const q = Array.from({ length: d }, (_, i) => query[(b * heads + h) * d + i]!);
      const qNorm = Math.max(Math.hypot(...q), 1e-8);
      const scores = new Float64Array(slots);
      let best = -Infinity;
      for (let m = 0; m < slots; m++) {
        if (!filled[m]) continue;
        let dot = 0;
        let kSquared = 0;
        for (let i = 0; i < d; i++) {
          const k = keys[(m * heads + h) * d + i]!;
          dot += q[i]! * k;
          kSquared += k * k;
        }
        scores[m] = (beta * dot) / (qNorm * Math.max(Math.sqrt(kSquared), 1e-8));
        best = Math.max(best, scores[m]!);
      }
      let total = 0;
      for (let m = 0; m < slots; m++) if (filled[m]) total += Math.exp(scores[m]! - best);
      for (let m = 0; m < slots; m++) {
        const w = filled[m] ? Math.exp(scores[m]! - best) / total : 0;
        weights[(b * heads + h) * slots + m] = w;
        for (let j = 0; j < dv; j++) output[(b * heads + h) * dv + j]! += w * values[(m * heads + h) * dv + j]!;
      }
    }
  }
  return { weights, output };
}
