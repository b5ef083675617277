// pnpm --filter @holomind/ewc bench
// 1. Fisher timing on wasm, MLP 784-400-400-10, N = 1024 real digits: exact one-pass vs the naive
//    per-sample loop (N backward passes of batch 1) vs Avalanche's batched approximation.
// 2. Permuted MNIST, 5 tasks, 3 seeds: fine-tuning vs EWC (each Fisher kind) vs online EWC.
// Everything is measured in this one run; nothing here gates CI. EWC_BENCH=fisher|mnist runs one part;
// EWC_BENCH_TIMES=1 also prints every timed run of part 1.
import os from 'node:os';
import * as tf from '@tensorflow/tfjs-core';
import { initBackend } from '@holomind/tensor-kernels';
import { median } from '@holomind/testing';
import { computeFisher } from '../src/index.js';
import { worstRelativeDifference } from '../test/references.js';
import { mlp, PERMUTED_MNIST_BUDGET, runContinual, type ContinualResult, type Method } from '../test/support/continual.js';
import { buildPermutedMnist } from '../test/support/permuted-mnist.js';

const SAMPLES = 1024;

// `pnpm bench` runs node with --expose-gc: collecting before each timed run keeps one method's
// garbage (the naive loop leaves ~10^5 tensor objects per run) from being swept inside another's time.
const collectGarbage = (globalThis as { gc?: () => void }).gc ?? (() => {});

interface Timed<T> {
  milliseconds: number;
  times: number[];
  result: T;
}

/**
 * Times every method in interleaved rounds (each round: every method its `repeats` times), after
 * one warm-up each, so a slow spell of this shared machine falls on all methods alike instead of on
 * whichever happened to run then. Medians over all rounds. Not `measure` from @holomind/testing:
 * it runs one function's iterations back to back, which is what the rounds exist to avoid.
 */
async function timedInRounds<K extends string, T>(
  rounds: number,
  methods: Record<K, { repeats: number; work: () => Promise<T> }>,
): Promise<Record<K, Timed<T>>> {
  const entries = Object.entries(methods) as [K, { repeats: number; work: () => Promise<T> }][];
  const timed = {} as Record<K, Timed<T>>;
  for (const [name, { work }] of entries) timed[name] = { milliseconds: 0, times: [], result: await work() };
  for (let round = 0; round < rounds; round++) {
    for (const [name, { repeats, work }] of entries) {
      for (let repeat = 0; repeat < repeats; repeat++) {
        collectGarbage();
        const started = performance.now();
        timed[name].result = await work();
        timed[name].times.push(performance.now() - started);
      }
    }
  }
  for (const [name] of entries) timed[name].milliseconds = median(timed[name].times);
  if (process.env.EWC_BENCH_TIMES) {
    for (const [name] of entries) console.log(`${name} runs (ms): ${timed[name].times.map((time) => time.toFixed(0)).join(' ')}`);
  }
  return timed;
}

/** The naive reference: N backward passes of batch 1, squares summed on the device, read once. */
async function naiveFisher(
  model: ReturnType<typeof mlp>,
  inputs: tf.Tensor,
  oneHot: tf.Tensor,
): Promise<Map<string, Float32Array>> {
  const variables = model.trainableWeights.map((weight) => weight.read() as tf.Variable);
  let sums: tf.Tensor[] = variables.map((variable) => tf.zerosLike(variable));
  for (let sample = 0; sample < inputs.shape[0]!; sample++) {
    const next = tf.tidy(() => {
      const { value, grads } = tf.variableGrads(
        () =>
          tf.losses.softmaxCrossEntropy(
            tf.slice(oneHot, sample, 1),
            model.apply(tf.slice(inputs, sample, 1), { training: false }) as tf.Tensor,
          ) as tf.Scalar,
        variables,
      );
      value.dispose();
      return variables.map((variable, i) => tf.add(sums[i]!, tf.square(grads[variable.name]!)));
    });
    tf.dispose(sums);
    sums = next;
  }
  const fisher = new Map<string, Float32Array>();
  for (const [i, weight] of model.trainableWeights.entries()) {
    const mean = tf.div(sums[i]!, inputs.shape[0]!);
    fisher.set(weight.originalName, (await mean.data()) as Float32Array);
    mean.dispose();
  }
  tf.dispose(sums);
  return fisher;
}

/**
 * The matrix products the one-pass route cannot avoid for this MLP (forward of every layer, the
 * backward dL/dx of layers 2 and 3, one Fisher product per layer), as plain untransposed matMuls on
 * ready operands of the same shapes: the floor the route's time is compared with. It is a little
 * under the true floor: XNNPACK keeps these right operands packed between calls, whereas the route's
 * Fisher products get fresh ones.
 */
function matrixProductFloor(
  samples: number,
  units: number[],
): { work: () => Promise<Map<string, Float32Array>>; dispose: () => void } {
  const layers = units.slice(1).map((out, index) => ({ in: units[index]!, out }));
  const operand = (rows: number, columns: number, seed: number) =>
    tf.randomUniform([rows, columns], 0, 1, 'float32', seed) as tf.Tensor2D;
  const shapes: [number, number, number][] = [
    ...layers.map((layer): [number, number, number] => [samples, layer.in, layer.out]), // forward
    ...layers.slice(1).map((layer): [number, number, number] => [samples, layer.out, layer.in]), // dL/dx
    ...layers.map((layer): [number, number, number] => [layer.in, samples, layer.out]), // Fisher
  ];
  const operands = shapes.map(([m, k, n], index) => [operand(m, k, 2 * index), operand(k, n, 2 * index + 1)] as const);
  const work = async () => {
    for (const [left, right] of operands) {
      const product = tf.matMul(left, right);
      await product.data();
      product.dispose();
    }
    return new Map<string, Float32Array>();
  };
  return { work, dispose: () => tf.dispose(operands.flat()) };
}

async function fisherTiming(): Promise<void> {
  const tensorsBefore = tf.memory().numTensors;
  const data = buildPermutedMnist({ seed: 1, tasks: 1, trainPerTask: SAMPLES, testPerTask: 1 });
  const { inputs, labels } = data.tasks[0]!.train;
  const oneHot = tf.oneHot(labels, 10);
  const model = mlp([400, 400], 1);
  const task = { inputs, labels };
  const ROUNDS = 3;
  const floor = matrixProductFloor(SAMPLES, [784, 400, 400, 10]);
  const { naive, onePass, onePass256, batched32, batchedAll, products } = await timedInRounds(ROUNDS, {
    naive: { repeats: 1, work: () => naiveFisher(model, inputs, oneHot) },
    onePass: { repeats: 3, work: async () => (await computeFisher(model, task, 'empirical', { batchSize: SAMPLES })).fisher },
    onePass256: { repeats: 3, work: async () => (await computeFisher(model, task, 'empirical', { batchSize: 256 })).fisher },
    batched32: { repeats: 3, work: async () => (await computeFisher(model, task, 'batched', { minibatchSize: 32 })).fisher },
    batchedAll: {
      repeats: 3,
      work: async () => (await computeFisher(model, task, 'batched', { minibatchSize: SAMPLES })).fisher,
    },
    products: { repeats: 3, work: floor.work },
  });
  const difference = (fisher: Map<string, Float32Array>) => worstRelativeDifference(fisher, naive.result).worst;

  console.log(`\n## Fisher of an MLP 784-400-400-10 on wasm, N = ${SAMPLES} MNIST digits\n`);
  console.log(
    `machine: ${os.cpus().length} x ${os.cpus()[0]?.model.trim()}, Node ${process.version}, backend ${tf.getBackend()}; ${ROUNDS} interleaved rounds, medians of ${onePass.times.length} runs (naive: ${naive.times.length})\n`,
  );
  console.log('| method | backward passes | median ms | vs naive | vs batched (32) | max rel. diff from naive |');
  console.log('| --- | --- | ---: | ---: | ---: | ---: |');
  const row = (name: string, passes: string, milliseconds: number, diff: string) =>
    console.log(
      `| ${name} | ${passes} | ${milliseconds.toFixed(0)} | ${(naive.milliseconds / milliseconds).toFixed(1)}x faster | ` +
        `${(milliseconds / batched32.milliseconds).toFixed(2)}x the time | ${diff} |`,
    );
  row('exact one-pass (`empirical`, batchSize 1024)', '1', onePass.milliseconds, difference(onePass.result).toExponential(1));
  row(
    'exact one-pass (`empirical`, batchSize 256)',
    '4',
    onePass256.milliseconds,
    difference(onePass256.result).toExponential(1),
  );
  row('naive per-sample loop', `${SAMPLES} of batch 1`, naive.milliseconds, '0 (reference)');
  row(
    '`batched`, minibatch 32 (Avalanche)',
    '32 of batch 32',
    batched32.milliseconds,
    difference(batched32.result).toExponential(1),
  );
  row('`batched`, minibatch 1024', '1 of batch 1024', batchedAll.milliseconds, difference(batchedAll.result).toExponential(1));
  console.log(
    `\nthe one-pass route's unavoidable matrix products alone (8 plain matMuls of its shapes): ${products.milliseconds.toFixed(0)} ms; ` +
      `one-pass = ${(onePass.milliseconds / products.milliseconds).toFixed(2)}x that floor`,
  );
  const ratioNaive = naive.milliseconds / onePass.milliseconds;
  const ratioBatched = onePass.milliseconds / batched32.milliseconds;
  console.log(
    `\ntargets: one-pass >= 50x faster than naive: ${ratioNaive.toFixed(1)}x (${ratioNaive >= 50 ? 'met' : 'MISSED'}); ` +
      `<= 2x batched: ${ratioBatched.toFixed(2)}x (${ratioBatched <= 2 ? 'met' : 'MISSED'})`,
  );

  floor.dispose();
  oneHot.dispose();
  model.dispose();
  data.dispose();
  const leaked = tf.memory().numTensors - tensorsBefore;
  if (leaked !== 0) console.log(`\nWARNING: ${leaked} tensors were not disposed by the Fisher timing`);
}

const BUDGET = PERMUTED_MNIST_BUDGET;
const METHODS: Method[] = [
  { name: 'fine-tuning' },
  { name: 'EWC, `empirical` Fisher, λ=100', ewc: { lambda: 100, fisher: 'empirical' } },
  { name: 'EWC, `true` Fisher, λ=100', ewc: { lambda: 100, fisher: 'true' } },
  { name: 'EWC, `batched` Fisher, λ=100', ewc: { lambda: 100, fisher: 'batched' } },
  { name: 'EWC, `batched` Fisher, λ=1000', ewc: { lambda: 1000, fisher: 'batched' } },
  { name: 'online EWC (γ=1), `empirical`, λ=100', ewc: { lambda: 100, fisher: 'empirical', mode: 'online', gamma: 1 } },
];
const SEEDS = [1, 2, 3];

function meanAndSpread(values: number[]): { mean: number; spread: number } {
  const mean = values.reduce((sum, value) => sum + value, 0) / values.length;
  const spread = Math.sqrt(values.reduce((sum, value) => sum + (value - mean) ** 2, 0) / (values.length - 1));
  return { mean, spread };
}

async function permutedMnist(): Promise<void> {
  const results = new Map<string, ContinualResult[]>(METHODS.map((method) => [method.name, []]));
  const started = performance.now();
  for (const seed of SEEDS) {
    const data = buildPermutedMnist({ seed, tasks: 5, trainPerTask: 1000, testPerTask: 500 });
    for (const method of METHODS) results.get(method.name)!.push(await runContinual(method, data.tasks, { ...BUDGET, seed }));
    data.dispose();
  }
  console.log(
    `\n## Permuted MNIST, 5 tasks, seeds ${SEEDS.join(', ')} (wasm, ${((performance.now() - started) / 1000).toFixed(0)} s)\n`,
  );
  console.log(
    'MLP 784-100-100-10, Adam 0.002, 4 epochs of 1000 digits per task, batch 32, Fisher over 500 digits; test: 500 other digits per task. mean ± standard deviation over seeds.\n',
  );
  console.log('| method | final average accuracy | task-1 accuracy after task 5 | per seed (average) |');
  console.log('| --- | ---: | ---: | --- |');
  const summary = new Map<string, { average: ReturnType<typeof meanAndSpread>; first: ReturnType<typeof meanAndSpread> }>();
  for (const method of METHODS) {
    const runs = results.get(method.name)!;
    const average = meanAndSpread(runs.map((run) => run.finalAverage));
    const first = meanAndSpread(runs.map((run) => run.firstTaskFinal));
    summary.set(method.name, { average, first });
    const percent = ({ mean, spread }: { mean: number; spread: number }) =>
      `${(100 * mean).toFixed(1)} ± ${(100 * spread).toFixed(1)}`;
    console.log(
      `| ${method.name} | ${percent(average)} | ${percent(first)} | ${runs.map((run) => (100 * run.finalAverage).toFixed(1)).join(', ')} |`,
    );
  }
  const baseline = summary.get('fine-tuning')!;
  console.log('\nmargin over fine-tuning vs the spread (sum of both standard deviations):');
  for (const method of METHODS.slice(1)) {
    const { average, first } = summary.get(method.name)!;
    const verdict = (ours: { mean: number; spread: number }, theirs: { mean: number; spread: number }) => {
      const margin = ours.mean - theirs.mean;
      const spread = ours.spread + theirs.spread;
      return `${(100 * margin).toFixed(1)} vs ${(100 * spread).toFixed(1)} pts (${margin > spread ? 'exceeds' : 'does NOT exceed'})`;
    };
    console.log(`- ${method.name}: average ${verdict(average, baseline.average)}; task 1 ${verdict(first, baseline.first)}`);
  }
}

// EWC_BENCH=fisher or =mnist runs one part only.
const part = process.env.EWC_BENCH ?? 'all';
await initBackend({ backends: 'wasm' });
if (part !== 'mnist') await fisherTiming();
if (part !== 'fisher') await permutedMnist();
