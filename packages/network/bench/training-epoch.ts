/**
 * One training epoch of an MLP 784-400-400-10 on 8,000 examples, batch 128, Adam 1e-3, softmax
 * cross-entropy (the model of issue #16), measured in one run:
 *  - ProgressiveNetwork.train on the fused route (the default),
 *  - ProgressiveNetwork.train on the composite route (tfjs's own ops: the route before the fused ops),
 *  - on wasm, the fused route again on the threaded build (HOLOMIND_BENCH_WASM_THREADS, default 2;
 *    1 leaves the row out), after restarting the backend,
 *  - tf.sequential().fit of the same layers (what a TensorFlow.js user has),
 * each as the median of HOLOMIND_BENCH_EPOCHS (default 5) epochs after one warm-up epoch, with
 * samples/s and the ratio to model.fit. HOLOMIND_PROFILE=1 adds tfjs's per-kernel profile of one
 * fused epoch. Prints numbers; never gates anything on time.
 */
import { cpus, loadavg } from 'node:os';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { disposeBackend, initBackend } from '@holomind/tensor-kernels';
import { ProgressiveNetwork, type TrainOptions } from '../src/index.js';

const backend = (process.env.HOLOMIND_BACKEND ?? 'wasm') as 'wasm';
const epochs = Number(process.env.HOLOMIND_BENCH_EPOCHS ?? 5);
const examples = 8000;
const batchSize = 128;
// HOLOMIND_BENCH_WASM_THREADS (default 2): on wasm, one more row of the fused route on that many threads.
const wasmThreads = Number(process.env.HOLOMIND_BENCH_WASM_THREADS ?? 2);

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = sorted.length >> 1;
  return sorted.length % 2 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}

interface Row {
  name: string;
  /** Wall clock per epoch. */
  milliseconds: number[];
  /** This process's CPU time per epoch: what a loaded machine distorts least. */
  cpuMilliseconds: number[];
}

async function timeEpochs(name: string, epoch: () => Promise<unknown>): Promise<Row> {
  await epoch(); // warm-up: kernels compiled, operators cached, Adam's moments created
  const milliseconds: number[] = [];
  const cpuMilliseconds: number[] = [];
  for (let run = 0; run < epochs; run++) {
    const [start, cpuStart] = [performance.now(), process.cpuUsage()];
    await epoch();
    const cpu = process.cpuUsage(cpuStart);
    milliseconds.push(performance.now() - start);
    cpuMilliseconds.push((cpu.user + cpu.system) / 1000);
  }
  return { name, milliseconds, cpuMilliseconds };
}

function progressiveNetwork(): ProgressiveNetwork {
  const network = new ProgressiveNetwork({
    inputShape: [784],
    extractor: { kind: 'mlp', hiddenSizes: [400, 400] },
    column: { hiddenSizes: [] },
    seed: 1,
  });
  network.addTask('mlp', { outputSize: 10 });
  return network;
}

// The same layers as a tf.sequential, fitted with Adam 1e-3 and categorical cross-entropy.
function sequentialModel(): tfl.Sequential {
  const model = tfl.sequential({
    layers: [
      tfl.layers.dense({ inputShape: [784], units: 400, activation: 'relu' }),
      tfl.layers.dense({ units: 400, activation: 'relu' }),
      tfl.layers.dense({ units: 10 }),
    ],
  });
  model.compile({
    optimizer: tf.train.adam(1e-3),
    loss: (targets: tf.Tensor, logits: tf.Tensor) => tf.losses.softmaxCrossEntropy(targets, logits),
  });
  return model;
}

/** Milliseconds per kernel name over one fused epoch, largest first, with call counts. */
async function kernelProfile(train: () => Promise<unknown>): Promise<string[]> {
  const profile = await tf.profile(async () => {
    await train();
  });
  const byKernel = new Map<string, { milliseconds: number; calls: number }>();
  for (const kernel of profile.kernels) {
    const entry = byKernel.get(kernel.name) ?? { milliseconds: 0, calls: 0 };
    entry.milliseconds += Number(kernel.kernelTimeMs);
    entry.calls++;
    byKernel.set(kernel.name, entry);
  }
  return [...byKernel]
    .sort((a, b) => b[1].milliseconds - a[1].milliseconds)
    .map(
      ([name, { milliseconds, calls }]) =>
        `  ${name.padEnd(20)} ${milliseconds.toFixed(0).padStart(7)} ms ${String(calls).padStart(6)} calls`,
    );
}

/**
 * Wall clock per phase over one epoch's steps, outside ProgressiveNetwork.train: copying a batch
 * into a tensor, forward + backward (variableGrads of the network's forward), the Adam update.
 */
async function phaseProfile(network: ProgressiveNetwork, inputs: tf.Tensor2D, oneHot: tf.Tensor2D): Promise<string[]> {
  const values = (await inputs.data()) as Float32Array;
  const optimizer: tf.Optimizer = tf.train.adam(1e-3);
  const variables = network.trainableVariables();
  const totals = { batch: 0, gradients: 0, update: 0 };
  for (let start = 0; start < examples; start += batchSize) {
    const size = Math.min(batchSize, examples - start);
    let time = performance.now();
    const batch = tf.tensor2d(values.slice(start * 784, (start + size) * 784), [size, 784]);
    const targets = tf.slice(oneHot, start, size);
    totals.batch += performance.now() - time;
    time = performance.now();
    const { value, grads } = tf.variableGrads(
      () => tf.losses.softmaxCrossEntropy(targets, network.forward(batch, 'mlp')) as tf.Scalar,
      variables,
    );
    await value.data();
    totals.gradients += performance.now() - time;
    time = performance.now();
    optimizer.applyGradients(grads);
    await variables[0]!.data();
    totals.update += performance.now() - time;
    tf.dispose([batch, targets, value, ...Object.values(grads)]);
  }
  optimizer.dispose();
  return Object.entries(totals).map(([phase, ms]) => `  ${phase.padEnd(20)} ${ms.toFixed(0).padStart(7)} ms`);
}

async function main() {
  await initBackend({ backends: backend });
  let inputs = tf.randomUniform([examples, 784], 0, 1, 'float32', 1);
  const labelValues = Array.from({ length: examples }, (_, i) => (i * 7) % 10);
  let classes = tf.tensor1d(labelValues, 'int32');
  let oneHot = tf.tidy(() => tf.cast(tf.oneHot(classes, 10), 'float32'));
  const data = { taskId: 'mlp', inputs, labels: classes };
  const rows: Row[] = [];
  for (const kernels of ['fused', 'composite'] as const) {
    const network = progressiveNetwork();
    const options: TrainOptions = {
      epochs: 1,
      batchSize,
      kernels,
      optimizer: { name: 'adam', learningRate: 1e-3 },
      preserveState: true,
    };
    await network.train(data, options);
    rows.push(await timeEpochs(`ProgressiveNetwork.train (${kernels})`, () => network.resumeTraining(data)));
    if (process.env.HOLOMIND_PROFILE === '1') {
      console.log(`tfjs profile of one ${kernels} epoch (${backend}), kernels nested in a custom op counted twice:`);
      for (const line of await kernelProfile(() => network.resumeTraining(data, { epochs: 1 }))) console.log(line);
    }
    if (kernels === 'fused' && process.env.HOLOMIND_PROFILE === '1') {
      console.log(`wall clock per phase of one epoch (fused forward and backward, tf.train.adam):`);
      for (const line of await phaseProfile(network, inputs as tf.Tensor2D, oneHot as tf.Tensor2D)) console.log(line);
    }
    network.dispose();
  }
  const model = sequentialModel();
  rows.push(
    await timeEpochs('tf.sequential().fit', () => model.fit(inputs, oneHot, { epochs: 1, batchSize, shuffle: true, verbose: 0 })),
  );
  model.dispose();
  if (backend === 'wasm' && wasmThreads > 1) {
    // The fused route again on the threaded wasm build: the backend restarts, so the data is made anew.
    tf.dispose([inputs, classes, oneHot]);
    await disposeBackend();
    const info = await initBackend({ backends: 'wasm', threads: wasmThreads });
    inputs = tf.randomUniform([examples, 784], 0, 1, 'float32', 1);
    classes = tf.tensor1d(labelValues, 'int32');
    oneHot = tf.tidy(() => tf.cast(tf.oneHot(classes, 10), 'float32'));
    const threaded = { taskId: 'mlp', inputs, labels: classes };
    const network = progressiveNetwork();
    await network.train(threaded, { epochs: 1, batchSize, optimizer: { name: 'adam', learningRate: 1e-3 }, preserveState: true });
    const row = await timeEpochs(`ProgressiveNetwork.train (fused, wasm threads=${info.threads})`, () =>
      network.resumeTraining(threaded),
    );
    network.dispose();
    rows.splice(2, 0, row);
  }

  const fit = median(rows.at(-1)!.milliseconds);
  const fitCpu = median(rows.at(-1)!.cpuMilliseconds);
  console.log(
    `MLP 784-400-400-10, ${examples} examples, batch ${batchSize}, Adam 1e-3, on ${backend}: median of ${epochs} epochs after a warm-up`,
  );
  console.log(
    `${'route'.padEnd(48)} ${'ms/epoch'.padStart(9)} ${'samples/s'.padStart(10)} ${'vs fit'.padStart(7)} ${'cpu ms'.padStart(8)} ${'vs fit'.padStart(7)}  epochs (ms)`,
  );
  for (const { name, milliseconds, cpuMilliseconds } of rows) {
    const [ms, cpu] = [median(milliseconds), median(cpuMilliseconds)];
    console.log(
      `${name.padEnd(48)} ${ms.toFixed(0).padStart(9)} ${((examples / ms) * 1000).toFixed(0).padStart(10)} ${(ms / fit).toFixed(2).padStart(6)}x ` +
        `${cpu.toFixed(0).padStart(8)} ${(cpu / fitCpu).toFixed(2).padStart(6)}x  ${milliseconds.map((m) => m.toFixed(0)).join(' ')}`,
    );
  }
  console.log(`machine load (1-minute average) at the end: ${loadavg()[0]!.toFixed(1)} on ${cpus().length} cores`);
  const [fused, composite] = rows.map((row) => median(row.milliseconds));
  console.log(`fused route: ${(composite! / fused!).toFixed(2)}x faster than the composite route in this run`);
  const threadedRow = rows.find((row) => row.name.includes('wasm threads='));
  if (threadedRow) {
    const single = rows[0]!;
    console.log(
      `${threadedRow.name.slice(threadedRow.name.indexOf('wasm'), -1)} vs one thread (fused): wall ` +
        `${(median(threadedRow.milliseconds) / median(single.milliseconds)).toFixed(2)}x, cpu ` +
        `${(median(threadedRow.cpuMilliseconds) / median(single.cpuMilliseconds)).toFixed(2)}x (below 1: faster)`,
    );
  }
  tf.dispose([inputs, classes, oneHot]);
  await disposeBackend();
}

await main();
