/**
 * pnpm --filter @holomind/monitoring bench
 *
 * 1. SQLite sink throughput: scalar points per second into a file database (WAL) through Kysely +
 *    better-sqlite3, batched multi-row INSERTs, for several batch sizes; sink alone and end to end
 *    through MetricsTracker.log.
 * 2. Tracking overhead on a training step: an MLP trained on the wasm backend, with and without
 *    full tracking (tracker + SQL sink + TensorBoard sink + alert rules + resource sampler), in
 *    adjacent pairs of blocks measured in the same run (process CPU time and wall time), next to an
 *    A/A control that shows the noise floor; plus the direct CPU cost of one log() call.
 * Prints medians and ratios; never fails on time. BENCH_QUICK=1 runs a smoke test with small sizes.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { Kysely, SqliteDialect } from 'kysely';
import * as tf from '@tensorflow/tfjs-core';
import { initBackend } from '@holomind/tensor-kernels';
import { measure, median, seededValues } from '@holomind/testing';
import {
  AlertManager,
  MetricsTracker,
  ResourceSampler,
  SqlMetricSink,
  metricMigrations,
  TensorBoardWriter,
  tensorBoardSink,
  type MetricPoint,
} from '../src/index.js';

const folder = mkdtempSync(path.join(os.tmpdir(), 'holomind-monitoring-bench-'));
let databaseCount = 0;

const quick = process.env.BENCH_QUICK === '1';
const pointCount = quick ? 20_000 : 200_000;

// A fresh file database with the metric tables: every migration of the set, in order, as the
// migrator of @holomind/db would run them (the sink writes into tables it does not create).
async function openDatabase() {
  const database = new Database(path.join(folder, `bench-${databaseCount++}.db`));
  database.pragma('journal_mode = WAL');
  database.pragma('synchronous = NORMAL');
  const db = new Kysely<Record<string, Record<string, unknown>>>({ dialect: new SqliteDialect({ database }) });
  for (const name of Object.keys(metricMigrations.migrations).sort())
    await metricMigrations.migrations[name]!.up(db, { dialect: 'sqlite' });
  return db;
}

function makePoints(count: number): MetricPoint[] {
  const metrics = ['loss', 'accuracy', 'lr', 'grad_norm'];
  return Array.from({ length: count }, (_, i) => ({
    runId: 'bench',
    metric: metrics[i % 4]!,
    taskId: String((i >> 12) % 5),
    step: i >> 2,
    value: Math.sin(i),
    wallTime: 1_700_000_000_000 + i,
  }));
}

/** Points per second from the median time of `repeats` timed runs; each run gets a fresh database, set up untimed. */
async function pointsPerSecond(
  count: number,
  repeats: number,
  open: () => Promise<{ write: () => Promise<void>; finish: () => Promise<void> }>,
): Promise<number> {
  let current: Awaited<ReturnType<typeof open>> | undefined;
  const finish = async () => {
    await current?.finish();
    current = undefined;
  };
  const [result] = await measure(
    { write: async () => await current!.write() },
    {
      iterations: repeats,
      warmup: 0,
      beforeEach: async () => {
        await finish();
        current = await open();
      },
    },
  );
  await finish();
  return count / (result!.medianMs / 1000);
}

function sinkThroughput(batchSize: number, points: MetricPoint[], repeats: number): Promise<number> {
  return pointsPerSecond(points.length, repeats, async () => {
    const db = await openDatabase();
    const sink = new SqlMetricSink(db, { batchSize });
    return {
      write: async () => {
        for (let i = 0; i < points.length; i += 4) sink.writePoints(points.slice(i, i + 4));
        await sink.flush();
      },
      finish: async () => {
        if ((await sink.countPoints()) !== points.length) throw new Error('row count mismatch');
        await sink.close();
        await db.destroy();
      },
    };
  });
}

function trackerThroughput(count: number, repeats: number): Promise<number> {
  return pointsPerSecond(count, repeats, async () => {
    const db = await openDatabase();
    const sink = new SqlMetricSink(db);
    const tracker = new MetricsTracker({ runId: 'bench', sinks: [sink] });
    return {
      write: async () => {
        for (let step = 0; step < count / 4; step++) {
          tracker.log({ loss: 1 / (step + 1), accuracy: step / count, lr: 0.01, grad_norm: 2 }, { step, taskId: step >> 10 });
        }
        await tracker.flush();
      },
      finish: async () => {
        await tracker.close();
        await db.destroy();
      },
    };
  });
}

async function trainingOverhead() {
  const backend = await initBackend({ backends: 'wasm' });
  const [inputSize, hidden1, hidden2, classes, batch] = [784, 256, 128, 10, 64];
  const dense = (fanIn: number, fanOut: number, seed: number) =>
    tf.variable(
      tf.tidy(() =>
        tf.mul(tf.tensor2d(seededValues(fanIn * fanOut, seed), [fanIn, fanOut]), Math.sqrt(6 / (fanIn + fanOut))),
      ) as tf.Tensor2D,
    );
  const weights: tf.Variable<tf.Rank.R2>[] = [
    dense(inputSize, hidden1, 1),
    dense(hidden1, hidden2, 2),
    dense(hidden2, classes, 3),
  ];
  const biases = [tf.variable(tf.zeros([hidden1])), tf.variable(tf.zeros([hidden2])), tf.variable(tf.zeros([classes]))];
  const inputs = tf.tensor2d(seededValues(batch * inputSize, 4), [batch, inputSize]);
  const labelIndices = tf.tensor1d(
    Array.from({ length: batch }, (_, i) => (i * 7) % classes),
    'int32',
  );
  const labels = tf.oneHot(labelIndices, classes);
  const learningRate = 0.05;

  /**
   * One SGD step with the backward pass written out (tfjs-core alone registers no gradients in
   * Node, and the bench runs under plain tsx): softmax cross-entropy over a ReLU MLP.
   * Returns loss and batch accuracy as numbers (read in both variants).
   */
  const step = async (): Promise<{ loss: number; accuracy: number }> => {
    const [loss, accuracy] = tf.tidy(() => {
      const activations: tf.Tensor2D[] = [inputs];
      let hidden: tf.Tensor2D = inputs;
      for (let layer = 0; layer < 3; layer++) {
        hidden = tf.add(tf.matMul(hidden, weights[layer]!), biases[layer]!);
        if (layer < 2) hidden = tf.relu(hidden);
        activations.push(hidden);
      }
      const logits = hidden; // [batch, classes]
      const probabilities = tf.softmax(logits);
      const lossValue = tf.neg(tf.mean(tf.sum(tf.mul(labels, tf.logSoftmax(logits)), 1)));
      const accuracyValue = tf.mean(tf.cast(tf.equal(tf.argMax(logits, 1), labelIndices), 'float32'));
      let delta: tf.Tensor2D = tf.div(tf.sub(probabilities, labels), batch); // dL/dlogits
      for (let layer = 2; layer >= 0; layer--) {
        const input = activations[layer]!;
        const weightGradient = tf.matMul(input, delta, true, false);
        const biasGradient = tf.sum(delta, 0);
        if (layer > 0) delta = tf.mul(tf.matMul(delta, weights[layer]!, false, true), tf.step(input));
        weights[layer]!.assign(tf.sub(weights[layer]!, tf.mul(weightGradient, learningRate)));
        biases[layer]!.assign(tf.sub(biases[layer]!, tf.mul(biasGradient, learningRate)));
      }
      return [lossValue, accuracyValue];
    });
    const [lossValue, accuracyValue] = await Promise.all([loss.data(), accuracy.data()]);
    tf.dispose([loss, accuracy]);
    return { loss: lossValue[0]!, accuracy: accuracyValue[0]! };
  };

  const db = await openDatabase();
  const writer = new TensorBoardWriter(path.join(folder, 'tensorboard'));
  const tracker = new MetricsTracker({
    runId: 'bench-train',
    metrics: { loss: { goal: 'minimize' }, accuracy: { goal: 'maximize' }, lr: {} },
    sinks: [new SqlMetricSink(db), tensorBoardSink(writer)],
  });
  const alerts = new AlertManager({
    tracker,
    rules: [
      { metric: 'loss', direction: 'above', warning: 5, critical: 50 },
      { metric: 'accuracy', direction: 'below', warning: 0.01 },
      { kind: 'forgetting', metric: 'accuracy', warning: 0.5 },
    ],
  });
  const sampler = new ResourceSampler({ tracker, intervalMs: 1000, backendInfo: backend }).start();

  let stepIndex = 0;
  const tensorsBefore = tf.memory().numTensors;
  for (let i = 0; i < 15; i++) await step(); // warm-up: kernels compiled, memory settled
  if (tf.memory().numTensors !== tensorsBefore) throw new Error('the training step leaks tensors');
  /**
   * Adjacent pairs of short blocks (order alternating) see the same machine load; the medians of
   * their ratios are robust to the bursts of a shared machine. With `control`, neither block
   * tracks: the result is the noise floor of the method.
   * CPU time is process user + system time: wasm, SQLite and encoding all run on this thread, and
   * on a machine whose other tenants take the cores, wall time mostly measures waiting.
   */
  const compare = async (control: boolean) => {
    const blockSteps = 4;
    const pairs = quick ? 4 : 60;
    const cpu = { plain: [] as number[], tracked: [] as number[], ratios: [] as number[] };
    const wall = { plain: [] as number[], tracked: [] as number[], ratios: [] as number[] };
    const runBlock = async (withTracking: boolean) => {
      const started = performance.now();
      const cpuStarted = process.cpuUsage();
      for (let i = 0; i < blockSteps; i++) {
        const result = await step();
        stepIndex += 1;
        if (withTracking && !control) tracker.log({ ...result, lr: learningRate }, { step: stepIndex, taskId: 0 });
      }
      const used = process.cpuUsage(cpuStarted);
      return { cpu: (used.user + used.system) / 1000 / blockSteps, wall: (performance.now() - started) / blockSteps };
    };
    for (let pair = 0; pair < pairs; pair++) {
      const trackedFirst = pair % 2 === 1;
      const first = await runBlock(trackedFirst);
      const second = await runBlock(!trackedFirst);
      const [withTracking, without] = trackedFirst ? [first, second] : [second, first];
      for (const [series, key] of [
        [cpu, 'cpu'],
        [wall, 'wall'],
      ] as const) {
        series.tracked.push(withTracking[key]);
        series.plain.push(without[key]);
        series.ratios.push(withTracking[key] / without[key]);
      }
    }
    const summary = (series: typeof cpu) => ({
      plain: median(series.plain),
      tracked: median(series.tracked),
      overhead: median(series.ratios) - 1,
    });
    return { cpu: summary(cpu), wall: summary(wall) };
  };
  const control = await compare(true);
  const measured = await compare(false);
  sampler.stop();
  await tracker.flush();

  // The direct cost of one log() call with the same sinks and rules, timed over many calls.
  const calls = quick ? 2_000 : 20_000;
  const cpuStarted = process.cpuUsage();
  for (let i = 0; i < calls; i++) tracker.log({ loss: 1, accuracy: 0.5, lr: 0.05 }, { step: stepIndex + i, taskId: 0 });
  await tracker.flush();
  const cpu = process.cpuUsage(cpuStarted);
  const logMicros = (cpu.user + cpu.system) / calls;
  await tracker.close();
  await alerts.close();
  await db.destroy();
  tf.dispose([...weights, ...biases, inputs, labelIndices, labels]);
  return {
    backend: backend.name,
    control,
    measured,
    logMicros,
    shape: `${inputSize}-${hidden1}-${hidden2}-${classes}, batch ${batch}`,
  };
}

try {
  console.log(
    `@holomind/monitoring bench: ${os.cpus().length} cores, ${os.cpus()[0]?.model ?? 'unknown CPU'}, Node ${process.version}, load average ${os.loadavg()[0]!.toFixed(1)}`,
  );
  console.log(
    '\n1. SQLite sink throughput (file database, WAL, synchronous=NORMAL; series id, step, wall time, value per row; median of 3 runs)',
  );
  const points = makePoints(pointCount);
  console.log('| path | batch size | points | points/s |');
  console.log('| --- | ---: | ---: | ---: |');
  for (const batchSize of [100, 500, 2000, 4000]) {
    const rate = await sinkThroughput(batchSize, points, 3);
    console.log(`| SqlMetricSink.writePoints | ${batchSize} | ${points.length} | ${Math.round(rate).toLocaleString('en-US')} |`);
  }
  const endToEnd = await trackerThroughput(pointCount, 3);
  console.log(
    `| MetricsTracker.log (4 metrics/call) → sink | 2000 | ${pointCount} | ${Math.round(endToEnd).toLocaleString('en-US')} |`,
  );
  console.log(`target ≥ 100,000 points/s batched: ${endToEnd >= 100_000 ? 'met' : 'NOT met'} (end to end, default batch size)`);

  console.log(
    `\n2. Tracking overhead on a training step (${quick ? 4 : 60} adjacent pairs of 4-step blocks, order alternating; medians)`,
  );
  const training = await trainingOverhead();
  const perCall = training.logMicros / 1000 / training.measured.cpu.plain;
  console.log(`model: MLP ${training.shape}, backend ${training.backend}, plain SGD with the backward pass written out`);
  console.log('| comparison | CPU ms/step A / B | CPU overhead | wall ms/step A / B | wall overhead |');
  console.log('| --- | ---: | ---: | ---: | ---: |');
  const row = (name: string, result: typeof training.control) =>
    console.log(
      `| ${name} | ${result.cpu.plain.toFixed(2)} / ${result.cpu.tracked.toFixed(2)} | ${(result.cpu.overhead * 100).toFixed(2)} % | ${result.wall.plain.toFixed(1)} / ${result.wall.tracked.toFixed(1)} | ${(result.wall.overhead * 100).toFixed(2)} % |`,
    );
  row('A/A control (no tracking in either block)', training.control);
  row('untracked (A) / tracked (B)', training.measured);
  console.log(
    `one log() call (3 metrics, both sinks, rules; sinks flushed inside the timing): ${training.logMicros.toFixed(1)} µs CPU = ${(perCall * 100).toFixed(3)} % of a step`,
  );
  console.log(
    'tracked = tracker.log of loss, accuracy, lr per step into an SQLite sink and a TensorBoard sink, 3 alert rules; a 1 s resource',
  );
  console.log(
    'sampler runs throughout. Overheads are medians of pair ratios (B / A) − 1; the control row shows the noise of the method here.',
  );
  console.log(
    `target < 2 %: CPU A/B ${training.measured.cpu.overhead < 0.02 ? 'met' : 'NOT met'}, wall A/B ${training.measured.wall.overhead < 0.02 ? 'met' : 'NOT met'}, per-call ${perCall < 0.02 ? 'met' : 'NOT met'}`,
  );
} finally {
  rmSync(folder, { recursive: true, force: true });
}
