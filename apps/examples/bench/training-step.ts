/**
 * The second task of the README's main job (main-job.yaml: class-incremental Split MNIST, the
 * holomind strategy, 784-400-400, batch 128) trained by ProgressiveNetwork.train, in one run:
 * ms per epoch and samples/s with nothing added, with EWC's penalty on the extractor, with DER++
 * replay (what the main job runs; and with 16 stored examples per draw instead of 128), with the
 * external memory's read (with and without its writes; and in task-IL, a column per task without a
 * shared extractor, against the same step without it: task-IL holomind's default),
 * a plain step on as many examples as a DER++ step trains on (batch 3 x 128: what replay's
 * machinery adds beyond its examples is the ratio of the two per step), and the main job on tfjs's composite ops (the route before the fused
 * ops). Each row: the first task trained for one epoch (so EWC has a Fisher and replay a filled
 * memory), a warm-up epoch of the second, then the median of HOLOMIND_BENCH_EPOCHS (default 5)
 * epochs of the second. The timed epochs run round robin across the rows (epoch 1 of every row,
 * then epoch 2, ...): this VM's speed drifts by up to 30% over minutes, and timing one row after
 * another turned that drift into ratios; "paired" is the median over rounds of each epoch's ratio
 * to the plain row's epoch of the same round. For each memory-read row, the floor under what the
 * read adds: its matrix products alone, timed apart at the step's shapes (read-floor.ts). Prints
 * numbers and ratios; gates nothing.
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
import { readProducts, readProductsMs } from './read-floor.js';
import type { TaskContext } from '../src/strategies/continual-strategy.js';

const epochs = Number(process.env.HOLOMIND_BENCH_EPOCHS ?? 5);
// HOLOMIND_BENCH_PROFILE=1: after the timed epochs, one more under tf.profile, printed per kernel.
const profile = process.env.HOLOMIND_BENCH_PROFILE === '1' || process.env.HOLOMIND_BENCH_PROFILE === 'shapes';
// HOLOMIND_BENCH_PROFILE=shapes: the profile per kernel and input shapes.
const byShape = process.env.HOLOMIND_BENCH_PROFILE === 'shapes';
// HOLOMIND_BENCH_ONLY=<regex>: only the variants whose name matches (the first row is always run: the ratios need it).
const only = process.env.HOLOMIND_BENCH_ONLY ? new RegExp(process.env.HOLOMIND_BENCH_ONLY) : undefined;
const mainJob = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', 'main-job.yaml');

interface Variant {
  name: string;
  holomind: NonNullable<HolomindConfigInput['holomind']>;
  kernels: 'fused' | 'composite';
  /** Training batch as a multiple of the main job's (3: the examples of a DER++ step, 128 + 2 × 128 replayed). */
  batchScale?: number;
  /** false: the second task trains without writing to the memory the first task filled (the read alone). */
  memoryWrites?: boolean;
  /** The scenario, when not the main job's (class-incremental). */
  scenario?: 'task-incremental';
  /** Stored examples per replay draw (`replay.batchSize`); default the training batch. */
  replayBatch?: number;
}

const DERPP_ROW = '+ DER++ replay (the main job)';
// Task-IL holomind (a column per task with lateral inputs, no shared extractor), and the same with
// the memory read (what `pnn-memory` trains): the read's cost there is the second row's ratio to the first.
const TASK_IL_ROW = 'task-IL holomind (columns)';
const TASK_IL_MEMORY_ROW = 'task-IL columns + memory read';
const SAME_EXAMPLES_ROW = 'plain, batch x3 (= replay examples)';

const VARIANTS: Variant[] = [
  { name: 'plain step (no strategy)', holomind: { replay: false, ewc: false, memoryRead: false }, kernels: 'fused' },
  { name: '+ EWC penalty (extractor)', holomind: { replay: false, ewc: true, memoryRead: false }, kernels: 'fused' },
  { name: DERPP_ROW, holomind: { replay: true, ewc: false, memoryRead: false }, kernels: 'fused' },
  {
    name: '+ DER++ replay, 16 per draw',
    holomind: { replay: true, ewc: false, memoryRead: false },
    kernels: 'fused',
    replayBatch: 16,
  },
  { name: '+ memory read', holomind: { replay: false, ewc: false, memoryRead: true }, kernels: 'fused' },
  {
    name: '+ memory read, no writes',
    holomind: { replay: false, ewc: false, memoryRead: true },
    kernels: 'fused',
    memoryWrites: false,
  },
  {
    name: TASK_IL_ROW,
    holomind: { memoryRead: false },
    kernels: 'fused',
    scenario: 'task-incremental',
  },
  { name: TASK_IL_MEMORY_ROW, holomind: { memoryRead: true }, kernels: 'fused', scenario: 'task-incremental' },
  {
    name: SAME_EXAMPLES_ROW,
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

interface PreparedVariant {
  variant: Variant;
  /** One timed epoch of the second task: wall and CPU milliseconds. */
  epoch(): Promise<{ wall: number; cpu: number }>;
  profile(): Promise<void>;
  dispose(): void;
  examples: number;
  steps: number;
  /** The products the memory read adds to a step, when the row's network reads one. */
  readProducts?: ReturnType<typeof readProducts>;
  /** Slots × key width of the memory the row's network reads. */
  memoryShape?: string;
}

// Trains the first task for one epoch (so EWC has a Fisher and replay a filled memory), then the
// second task's warm-up epoch; the timed epochs come later, interleaved with the other variants'.
type Benchmark = Awaited<ReturnType<typeof buildBenchmark>>;

async function prepareVariant(variant: Variant, benchmarks: Map<string, Benchmark>): Promise<PreparedVariant> {
  const config = await loadConfigFile(mainJob, {
    holomind: variant.holomind,
    backend: 'wasm',
    ...(variant.scenario ? { scenario: variant.scenario } : {}),
    ...(variant.replayBatch ? { replay: { batchSize: variant.replayBatch } } : {}),
  });
  // Every row of a scenario trains on the same digits: the main job's data, read and split once.
  let benchmark = benchmarks.get(config.scenario ?? 'main job');
  if (!benchmark) {
    benchmark = await buildBenchmark(config);
    benchmarks.set(config.scenario ?? 'main job', benchmark);
  }
  const plan = planStrategy(config, benchmark.scenario);
  const network = buildNetwork(config, plan, benchmark.inputShape);
  const strategy = buildStrategy(config, plan, benchmark.tasks);
  const batchSize = config.training.batchSize * (variant.batchScale ?? 1);
  const held: tf.Tensor[] = [];
  const dispose = () => {
    tf.dispose(held);
    network.dispose();
    strategy.dispose();
  };
  try {
    let train: ReturnType<typeof taskTensors> | undefined;
    for (const taskIndex of [0, 1]) {
      const task = benchmark.tasks[taskIndex]!;
      const columnId = columnFor(plan, taskIndex);
      if (!network.taskIds.includes(columnId)) network.addTask(columnId, { outputSize: task.outputSize });
      train = taskTensors(task, 'train', columnId);
      held.push(train.inputs, train.labels);
      const context: TaskContext = {
        network,
        tasks: benchmark.tasks,
        taskIndex,
        columnOf: columnsOf(plan),
        train,
        seed: config.seed + taskIndex,
      };
      await strategy.beforeTask(context);
      await network.train(train, {
        epochs: 1,
        batchSize,
        optimizer: { name: 'adam' as const, learningRate: config.training.learningRate },
        preserveState: true,
        regularizer: strategy.loss(context),
        kernels: variant.kernels,
        memoryWrites: taskIndex === 0 || (variant.memoryWrites ?? true),
      }); // the first task's epoch, or the second's warm-up
      if (taskIndex === 0) {
        await strategy.afterTask(context);
        tf.dispose(held.splice(0));
      }
    }
    const secondTask = train!;
    const examples = secondTask.inputs.shape[0]!;
    return {
      variant,
      examples,
      steps: Math.ceil(examples / batchSize),
      ...(network.memory
        ? {
            readProducts: readProducts(network, batchSize),
            memoryShape: `${network.memory.options.slots} × ${network.memory.options.keySize}`,
          }
        : {}),
      dispose,
      async epoch() {
        const [start, cpuStart] = [performance.now(), process.cpuUsage()];
        await network.resumeTraining(secondTask);
        const cpu = process.cpuUsage(cpuStart);
        return { wall: performance.now() - start, cpu: (cpu.user + cpu.system) / 1000 };
      },
      profile: () =>
        profileEpoch(variant.name, async () => {
          await network.resumeTraining(secondTask);
          return [];
        }),
    };
  } catch (error) {
    dispose();
    throw error;
  }
}

// One epoch under tf.profile: the kernels by total time, and the wall time no kernel accounts for (JS).
async function profileEpoch(name: string, epoch: () => Promise<tf.TensorContainer>): Promise<void> {
  const start = performance.now();
  const info = await tf.profile(epoch);
  const wall = performance.now() - start;
  const byKernel = new Map<string, { ms: number; calls: number }>();
  for (const kernel of info.kernels) {
    const key = byShape ? `${kernel.name} ${JSON.stringify(kernel.inputShapes)}` : kernel.name;
    const entry = byKernel.get(key) ?? { ms: 0, calls: 0 };
    entry.ms += Number(kernel.kernelTimeMs) || 0;
    entry.calls++;
    byKernel.set(key, entry);
  }
  const kernelMs = [...byKernel.values()].reduce((sum, { ms }) => sum + ms, 0);
  console.log(
    `  profile of '${name}': wall ${wall.toFixed(0)} ms, kernels ${kernelMs.toFixed(0)} ms in ${info.kernels.length} calls`,
  );
  const top = [...byKernel].sort((a, b) => b[1].ms - a[1].ms).slice(0, byShape ? 40 : 14);
  for (const [kernel, { ms, calls }] of top)
    console.log(`    ${kernel.padEnd(byShape ? 60 : 22)} ${ms.toFixed(0).padStart(6)} ms ${String(calls).padStart(6)} calls`);
}

async function main() {
  await initBackend({ backends: 'wasm' });
  console.log(
    `Second task of the main job (${mainJob}) on wasm: median of ${epochs} epochs after a warm-up, ` +
      `the variants' epochs interleaved (round robin) so that the machine's drift reaches every row alike`,
  );
  const benchmarks = new Map<string, Benchmark>();
  const chosen = VARIANTS.filter((one, index) => index === 0 || !only || only.test(one.name));
  const prepared: PreparedVariant[] = [];
  try {
    for (const variant of chosen) prepared.push(await prepareVariant(variant, benchmarks));
    const timings = prepared.map(() => ({ wall: [] as number[], cpu: [] as number[] }));
    for (let epoch = 0; epoch < epochs; epoch++) {
      for (const [index, variant] of prepared.entries()) {
        const { wall, cpu } = await variant.epoch();
        timings[index]!.wall.push(wall);
        timings[index]!.cpu.push(cpu);
      }
    }
    if (profile) for (const variant of prepared) await variant.profile();
    console.log(
      `${'variant'.padEnd(36)} ${'ms/epoch'.padStart(9)} ${'samples/s'.padStart(10)} ${'vs plain'.padStart(9)} ${'ms/step'.padStart(8)} ${'cpu ms'.padStart(8)} ${'vs plain'.padStart(9)} ${'paired'.padStart(7)}  epochs (ms)`,
    );
    const perStep = new Map<string, { wall: number; cpu: number }>();
    let plain: { wall: number; cpu: number } | undefined;
    for (const [index, { variant, examples, steps }] of prepared.entries()) {
      const [wall, cpu] = [median(timings[index]!.wall), median(timings[index]!.cpu)];
      plain ??= { wall, cpu };
      // The median of each round's ratio to the plain row's epoch of that round (run next to it in
      // time): drift that spans a round cancels.
      const paired = median(timings[index]!.wall.map((epoch, round) => epoch / timings[0]!.wall[round]!));
      perStep.set(variant.name, { wall: wall / steps, cpu: cpu / steps });
      console.log(
        `${variant.name.padEnd(36)} ${wall.toFixed(0).padStart(9)} ${((examples / wall) * 1000).toFixed(0).padStart(10)} ` +
          `${(wall / plain.wall).toFixed(2).padStart(8)}x ${(wall / steps).toFixed(1).padStart(8)} ${cpu.toFixed(0).padStart(8)} ${(cpu / plain.cpu).toFixed(2).padStart(8)}x ${paired.toFixed(2).padStart(6)}x  ` +
          timings[index]!.wall.map((m) => m.toFixed(0)).join(' '),
      );
    }
    const [taskIl, taskIlMemory] = [TASK_IL_ROW, TASK_IL_MEMORY_ROW].map((name) =>
      prepared.findIndex((one) => one.variant.name === name),
    );
    if (taskIl! >= 0 && taskIlMemory! >= 0) {
      const [base, read] = [timings[taskIl!]!, timings[taskIlMemory!]!];
      const paired = median(read.wall.map((epoch, round) => epoch / base.wall[round]!));
      console.log(
        `task-IL memory read vs the same task-IL step without it: ${(median(read.wall) / median(base.wall)).toFixed(2)}x wall, ` +
          `${(median(read.cpu) / median(base.cpu)).toFixed(2)}x cpu, ${paired.toFixed(2)}x paired`,
      );
    }
    // The read's floor: its products alone, against the row it is compared with (task-IL's own row, else the plain one).
    for (const { variant, readProducts: products, memoryShape } of prepared) {
      const base = perStep.get(variant.scenario ? TASK_IL_ROW : VARIANTS[0]!.name);
      const row = perStep.get(variant.name)!;
      if (!products || !base) continue;
      const floor = readProductsMs(products);
      console.log(
        `${variant.name} (memory ${memoryShape}): adds ${(row.wall - base.wall).toFixed(2)} ms a step (${((row.wall / base.wall - 1) * 100).toFixed(1)}%); ` +
          `its matrix products alone, timed apart: ${floor.toFixed(2)} ms (${((floor / base.wall) * 100).toFixed(1)}% of the step it is added to)`,
      );
    }
    const [replay, sameExamples] = [perStep.get(DERPP_ROW), perStep.get(SAME_EXAMPLES_ROW)];
    if (replay !== undefined && sameExamples !== undefined) {
      console.log(
        `DER++ step vs a plain step on as many examples (${SAME_EXAMPLES_ROW}): ${(replay.wall / sameExamples.wall).toFixed(2)}x ` +
          `wall, ${(replay.cpu / sameExamples.cpu).toFixed(2)}x cpu per step (what replay's machinery adds beyond the examples it replays)`,
      );
    }
    // Each part against the step it is added to, by the wall-time medians (the ratios printed above).
    const within = (label: string, ratio: number) =>
      console.log(`${label}: ${ratio.toFixed(2)}x, ${ratio <= 1.15 ? 'within' : 'NOT within'} 15% of the step it is added to`);
    for (const name of ['+ EWC penalty (extractor)', '+ memory read']) {
      const row = perStep.get(name);
      if (row) within(name, row.wall / perStep.get(VARIANTS[0]!.name)!.wall);
    }
    const [taskIlStep, taskIlRead] = [perStep.get(TASK_IL_ROW), perStep.get(TASK_IL_MEMORY_ROW)];
    if (taskIlStep && taskIlRead) within('task-IL memory read', taskIlRead.wall / taskIlStep.wall);
    if (replay && sameExamples) within('DER++ beyond the examples it replays', replay.wall / sameExamples.wall);
  } finally {
    for (const variant of prepared) variant.dispose();
  }
  console.log(`machine load (1-minute average) at the end: ${loadavg()[0]!.toFixed(1)} on ${cpus().length} cores`);
  await disposeBackend();
}

await main();
