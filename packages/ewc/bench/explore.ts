import { initBackend } from '@holomind/tensor-kernels';
import { buildPermutedMnist } from '../test/support/permuted-mnist.js';
import { runContinual, type Budget, type Method } from '../test/support/continual.js';
await initBackend({ backends: 'wasm' });
const t0 = performance.now();
const seed = Number(process.env.SEED ?? 1);
const data = buildPermutedMnist({ seed, tasks: 5, trainPerTask: Number(process.env.TRAIN ?? 1000), testPerTask: 500 });
console.log('data', ((performance.now() - t0) / 1000).toFixed(1), 's');
const budget: Budget = { epochs: Number(process.env.EPOCHS ?? 3), batchSize: 32, learningRate: Number(process.env.LR ?? 0.1), optimizer: (process.env.OPT ?? 'sgd') as 'sgd', hiddenUnits: (process.env.HIDDEN ?? '100,100').split(',').map(Number), fisherSamples: 500, seed };
const lambdas = (process.env.LAMBDAS ?? '0,100,1000').split(',').map(Number);
const methods: Method[] = lambdas.map((lambda) => (lambda === 0 ? { name: 'finetune' } : { name: `ewc λ=${lambda}`, ewc: { lambda, fisher: (process.env.KIND ?? 'empirical') as 'empirical', mode: (process.env.MODE ?? 'separate') as 'separate' } }));
for (const method of methods) {
  const r = await runContinual(method, data.tasks, budget);
  console.log(r.method.padEnd(14), 'avg', r.finalAverage.toFixed(3), 'first', r.firstTaskFinal.toFixed(3), 'last row', r.accuracy.at(-1)!.map(a => a.toFixed(2)).join(' '), 'diag', r.accuracy.map((row, i) => row[i]!.toFixed(2)).join(' '), `${r.seconds.toFixed(1)}s`);
}
