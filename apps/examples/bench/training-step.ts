/**
 * The second task of the README's main job (main-job.yaml: class-incremental Split MNIST, the
 * holomind strategy, 784-400-400, batch 128) trained by ProgressiveNetwork.train, in one run:
 * ms per epoch and samples/s with nothing added, with EWC's penalty on the extractor, with DER++
 * replay (what the main job runs), with the external memory's read, a plain step on as many
 * examples as a DER++ step trains on (batch 3 x 128: what replay's machinery adds beyond its
 * examples is the ratio of the two per step), and the main job on tfjs's composite ops (the route
 * before the fused ops). Each row: the first task trained for one epoch
 * (so EWC has a Fisher and replay a filled memory), then the median of HOLOMIND_BENCH_EPOCHS
 * (default 5) epochs of the second after a warm-up epoch. Prints numbers and ratios; gates nothing.
 */
import { cpus, loadavg } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import * as tf from '@tensorflow/tfjs-core';
import { disposeBackend, initBackend } from '@holomind/tensor-kernels';
import type { HolomindConfigInput } from '../src/config/schema.js';
import { loadConfigFile } from '../src/config/load-config.js';
import { buildBenchmark } from '../src/pipeline/benchmark.js';
import { buildNetwork, columnFor } from '../src/pipeline/build-model.js';
import { buildStrategy, columnsOf } from '../src/pipeline/build-strategy.js';
import { planStrategy } from '../src/pipeline/strategy.js';
import { taskTensors } from '../src/pipeline/task-data.js';
import type { TaskContext } from '../src/strategies/continual-strategy.js';

const epochs = Number(process.env.HOLOMIND_BENCH_EPOCHS ?? 5);
// HOLOMIND_BENCH_PROFILE=1: after the timed epochs, one more under tf.profile, printed per kernel.
const profile = process.env.HOLOMIND_BENCH_PROFILE === '1';
// HOLOMIND_BENCH_ONLY=<regex>: only the variants whose name matches (the first row is always run: the ratios need it).
const only = process.env.HOLOMIND_BENCH_ONLY ? new RegExp(process.env.HOLOMIND_BENCH_ONLY) : undefined;
const mainJob = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', 'main-job.yaml');

interface Variant {
  name: string;
  holomind: NonNullable<HolomindConfigInput['holomind']>;
  kernels: 'fused' | 'composite';
  /** Training batch as a multiple of the main job's (3: the examples of a DER++ step, 128 + 2 × 128 replayed). */
  batchScale?: number;
}

const VARIANTS: Variant[] = [
  { name: 'plain step (no strategy)', holomind: { replay: false, ewc: false, memoryRead: false }, kernels: 'fused' },
  { name: '+ EWC penalty (extractor)', holomind: { replay: false, ewc: true, memoryRead: false }, kernels: 'fused' },
  { name: '+ DER++ replay (the main job)', holomind: { replay: true, ewc: false, memoryRead: false }, kernels: 'fused' },
  { name: '+ memory read', holomind: { replay: false, ewc: false, memoryRead: true }, kernels: 'fused' },
  {
    name: 'plain, batch x3 (= replay examples)',
    holomind: { replay: false, ewc: false, memoryRead: false },
    kernels: 'fused',
    batchScale: 3,
  },
  { name: 'main job, composite ops', holomind: { replay: true, ewc: false, memoryRead: false }, kernels: 'composite' },
];

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = sorted.length >> 1;
  return sorted.length % 2 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}

async function measureVariant(
  variant: Variant,
): Promise<{ milliseconds: number[]; cpuMilliseconds: number[]; examples: number; steps: number }> {
  const config = await loadConfigFile(mainJob, { holomind: variant.holomind, backend: 'wasm' });
  const benchmark = await buildBenchmark(config);
  const plan = planStrategy(config, benchmark.scenario);
  const network = buildNetwork(config, plan, benchmark.inputShape);
  const strategy = buildStrategy(config, plan, benchmark.tasks);
  const milliseconds: number[] = [];
  const cpuMilliseconds: number[] = [];
  let examples = 0;
  const batchSize = config.training.batchSize * (variant.batchScale ?? 1);
  try {
    for (const taskIndex of [0, 1]) {
      const task = benchmark.tasks[taskIndex]!;
      const columnId = columnFor(plan, taskIndex);
      if (!network.taskIds.includes(columnId)) network.addTask(columnId, { outputSize: task.outputSize });
      const train = taskTensors(task, 'train', columnId);
      const context: TaskContext = {
        network,
        tasks: benchmark.tasks,
        taskIndex,
        columnOf: columnsOf(plan),
        train,
        seed: config.seed + taskIndex,
      };
      examples = train.inputs.shape[0]!;
      try {
        await strategy.beforeTask(context);
        const options = {
          epochs: 1,
          batchSize,
          optimizer: { name: 'adam' as const, learningRate: config.training.learningRate },
          preserveState: true,
          regularizer: strategy.loss(context),
          kernels: variant.kernels,
        };
        await network.train(train, options); // the first task's epoch, or the second's warm-up
        for (let epoch = 0; taskIndex === 1 && epoch < epochs; epoch++) {
          const [start, cpuStart] = [performance.now(), process.cpuUsage()];
          await network.resumeTraining(train);
          const cpu = process.cpuUsage(cpuStart);
          milliseconds.push(performance.now() - start);
          cpuMilliseconds.push((cpu.user + cpu.system) / 1000);
        }
        if (profile && taskIndex === 1)
          await profileEpoch(variant.name, async () => {
            await network.resumeTraining(train);
            return [];
          });
        if (taskIndex === 0) await strategy.afterTask(context);
      } finally {
        tf.dispose([train.inputs, train.labels]);
      }
    }
  } finally {
    network.dispose();
    strategy.dispose();
  }
  return { milliseconds, cpuMilliseconds, examples, steps: Math.ceil(examples / batchSize) };
}

// One epoch under tf.profile: the kernels by total time, and the wall time no kernel accounts for (JS).
async function profileEpoch(name: string, epoch: () => Promise<tf.TensorContainer>): Promise<void> {
  const start = performance.now();
  const info = await tf.profile(epoch);
  const wall = performance.now() - start;
  const byKernel = new Map<string, { ms: number; calls: number }>();
  for (const kernel of info.kernels) {
    const entry = byKernel.get(kernel.name) ?? { ms: 0, calls: 0 };
    entry.ms += Number(kernel.kernelTimeMs) || 0;
    entry.calls++;
    byKernel.set(kernel.name, entry);
  }
  const kernelMs = [...byKernel.values()].reduce((sum, { ms }) => sum + ms, 0);
  console.log(
    `  profile of '${name}': wall ${wall.toFixed(0)} ms, kernels ${kernelMs.toFixed(0)} ms in ${info.kernels.length} calls`,
  );
  const top = [...byKernel].sort((a, b) => b[1].ms - a[1].ms).slice(0, 14);
  for (const [kernel, { ms, calls }] of top)
    console.log(`    ${kernel.padEnd(22)} ${ms.toFixed(0).padStart(6)} ms ${String(calls).padStart(6)} calls`);
}

async function main() {
  await initBackend({ backends: 'wasm' });
  console.log(`Second task of the main job (${mainJob}) on wasm: median of ${epochs} epochs after a warm-up`);
  console.log(
    `${'variant'.padEnd(36)} ${'ms/epoch'.padStart(9)} ${'samples/s'.padStart(10)} ${'vs plain'.padStart(9)} ${'ms/step'.padStart(8)} ${'cpu ms'.padStart(8)} ${'vs plain'.padStart(9)}  epochs (ms)`,
  );
  let plain: { wall: number; cpu: number } | undefined;
  const perStep = new Map<string, { wall: number; cpu: number }>();
  for (const variant of VARIANTS.filter((one, index) => index === 0 || !only || only.test(one.name))) {
    const { milliseconds, cpuMilliseconds, examples, steps } = await measureVariant(variant);
    const [wall, cpu] = [median(milliseconds), median(cpuMilliseconds)];
    plain ??= { wall, cpu };
    perStep.set(variant.name, { wall: wall / steps, cpu: cpu / steps });
    console.log(
      `${variant.name.padEnd(36)} ${wall.toFixed(0).padStart(9)} ${((examples / wall) * 1000).toFixed(0).padStart(10)} ` +
        `${(wall / plain.wall).toFixed(2).padStart(8)}x ${(wall / steps).toFixed(1).padStart(8)} ${cpu.toFixed(0).padStart(8)} ${(cpu / plain.cpu).toFixed(2).padStart(8)}x  ` +
        milliseconds.map((m) => m.toFixed(0)).join(' '),
    );
  }
  const [replay, sameExamples] = [perStep.get(VARIANTS[2]!.name), perStep.get(VARIANTS[4]!.name)];
  if (replay !== undefined && sameExamples !== undefined) {
    console.log(
      `DER++ step vs a plain step on as many examples (${VARIANTS[4]!.name}): ${(replay.wall / sameExamples.wall).toFixed(2)}x ` +
        `wall, ${(replay.cpu / sameExamples.cpu).toFixed(2)}x cpu per step (what replay's machinery adds beyond the examples it replays)`,
    );
  }
  console.log(`machine load (1-minute average) at the end: ${loadavg()[0]!.toFixed(1)} on ${cpus().length} cores`);
  await disposeBackend();
}

await main();
