import { SeededRandom } from '@holomind/core';

/** `count` distinct indices out of [0, total), in increasing order, chosen by a seeded partial shuffle. */
export function seededSubset(total: number, count: number, seed: number): Int32Array {
  return new SeededRandom(seed).subset(total, count);
}

/** One class per row of `probabilities` [rows, classes], drawn by inverse CDF; returns one-hot rows. */
export function sampleCategorical(probabilities: Float32Array, rows: number, classes: number, seed: number): Float32Array {
  const random = new SeededRandom(seed);
  const oneHot = new Float32Array(rows * classes);
  for (let row = 0; row < rows; row++) {
    const offset = row * classes;
    let total = 0;
    for (let c = 0; c < classes; c++) total += probabilities[offset + c]!;
    let remaining = random.next() * total;
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

/** means + standard normal noise, seeded. */
export function sampleGaussian(means: Float32Array, seed: number): Float32Array {
  const random = new SeededRandom(seed);
  return means.map((mean) => mean + random.normal());
}
