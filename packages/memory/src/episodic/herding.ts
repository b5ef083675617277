/**
 * iCaRL's herding selection (Rebuffi et al. 2017, Algorithm 4): the exemplars, in order, whose
 * running mean of L2-normalised features stays closest to the class's mean feature. The order
 * matters: keeping the first m of it is the best m-exemplar subset the greedy choice found, so a
 * class shrinks by dropping its last-chosen exemplars.
 *
 * @param features [count, featureSize] row-major, one row per candidate
 * @returns indices of the chosen candidates, first-chosen first, at most `take` of them
 */
export function herdingOrder(features: Float32Array, count: number, featureSize: number, take: number): Int32Array {
  const limit = Math.min(take, count);
  const normalised = new Float64Array(count * featureSize);
  const mean = new Float64Array(featureSize);
  for (let row = 0; row < count; row++) {
    let norm = 0;
    for (let k = 0; k < featureSize; k++) norm += features[row * featureSize + k]! ** 2;
    // A zero feature row stays zero rather than dividing by zero.
    const scale = norm > 0 ? 1 / Math.sqrt(norm) : 0;
    for (let k = 0; k < featureSize; k++) {
      const value = features[row * featureSize + k]! * scale;
      normalised[row * featureSize + k] = value;
      mean[k]! += value / count;
    }
  }
  const chosen = new Int32Array(limit);
  const taken = new Uint8Array(count);
  const runningSum = new Float64Array(featureSize);
  for (let step = 0; step < limit; step++) {
    let best = -1;
    let bestDistance = Infinity;
    for (let row = 0; row < count; row++) {
      if (taken[row]) continue;
      let distance = 0;
      for (let k = 0; k < featureSize; k++) {
        const difference = mean[k]! - (runningSum[k]! + normalised[row * featureSize + k]!) / (step + 1);
        distance += difference * difference;
      }
      if (distance < bestDistance) {
        bestDistance = distance;
        best = row;
      }
    }
    chosen[step] = best;
    taken[best] = 1;
    for (let k = 0; k < featureSize; k++) runningSum[k]! += normalised[best * featureSize + k]!;
  }
  return chosen;
}
