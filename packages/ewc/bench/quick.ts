import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { initBackend } from '@holomind/tensor-kernels';
import { computeFisher } from '../src/index.js';
await initBackend({ backends: 'wasm' });
const model = tfl.sequential({ layers: [
  tfl.layers.dense({ units: 400, inputShape: [784], activation: 'relu' }),
  tfl.layers.dense({ units: 400, activation: 'relu' }),
  tfl.layers.dense({ units: 10, activation: 'softmax' }),
]});
const N = 1024;
const inputs = tf.randomUniform([N, 784], 0, 1, 'float32', 1);
const labels = tf.tensor1d(Array.from({ length: N }, (_, i) => i % 10), 'int32');
const time = async (label: string, work: () => Promise<unknown>) => {
  const start = performance.now(); await work(); const ms = performance.now() - start; console.log(label, ms.toFixed(1), 'ms'); return ms;
};
for (let r = 0; r < 3; r++) {
  await time('one-pass', () => computeFisher(model, { inputs, labels }, 'empirical', { batchSize: N }));
  await time('one-pass bs256', () => computeFisher(model, { inputs, labels }, 'empirical', { batchSize: 256 }));
  await time('batched 32', () => computeFisher(model, { inputs, labels }, 'batched', { minibatchSize: 32 }));
  await time('batched 1024', () => computeFisher(model, { inputs, labels }, 'batched', { minibatchSize: N }));
}
const vars = model.trainableWeights.map(w => w.read() as tf.Variable);
const oneHot = tf.oneHot(labels, 10);
await time('naive', async () => {
  const sums = vars.map(v => tf.zerosLike(v));
  for (let n = 0; n < N; n++) {
    tf.tidy(() => {
      const { value, grads } = tf.variableGrads(() => tf.losses.softmaxCrossEntropy(tf.slice(oneHot, n, 1), model.apply(tf.slice(inputs, n, 1)) as tf.Tensor) as tf.Scalar, vars);
      vars.forEach((v, i) => { const next = tf.add(sums[i]!, tf.square(grads[v.name]!)); sums[i]!.dispose(); sums[i] = tf.keep(next); });
    });
  }
  for (const s of sums) { await s.data(); s.dispose(); }
});
