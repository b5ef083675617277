/** Deterministic uniform numbers in [0, 1) from a 32-bit seed (mulberry32): same draws on every backend. */
export function seededUniform(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** `count` distinct indices out of [0, total), in increasing order, chosen by a seeded partial shuffle. */
export function seededSubset(total: number, count: number, seed: number): Int32Array {
  const uniform = seededUniform(seed);
  const order = Int32Array.from({ length: total }, (_, i) => i);
  for (let i = 0; i < count; i++) {
    const j = i + Math.floor(uniform() * (total - i));
    [order[i], order[j]] = [order[j]!, order[i]!];
  }
  return order.slice(0, count).sort();
}

/** One class per row of `probabilities` [rows, classes], drawn by inverse CDF; returns one-hot rows. */
export function sampleCategorical(probabilities: Float32Array, rows: number, classes: number, seed: number): Float32Array {
  const uniform = seededUniform(seed);
  const oneHot = new Float32Array(rows * classes);
  for (let row = 0; row < rows; row++) {
    const offset = row * classes;
    let total = 0;
    for (let c = 0; c < classes; c++) total += probabilities[offset + c]!;
    let remaining = uniform() * total;
    let chosen = classes - 1;
    for (let c = 0; c < classes; c++) {
      remaining -= probabilities[offset + c]!;
      if (remaining < 0) {
        chosen = c;
        break;
      }
    }
    oneHot[offset + chosen] = 1;
  }
  return oneHot;
}

/** means + standard normal noise (Box–Muller), seeded. */
export function sampleGaussian(means: Float32Array, seed: number): Float32Array {
  const uniform = seededUniform(seed);
  return means.map((mean) => {
    const radius = Math.sqrt(-2 * Math.log(1 - uniform()));
    return mean + radius * Math.cos(2 * Math.PI * uniform());
  });
}
