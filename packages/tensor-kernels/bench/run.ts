// pnpm --filter @holomind/tensor-kernels bench
//
// Fused WGSL kernels against the same function composed from tfjs ops, on the same backend, in
// one process: memoryAttention forward and forward+backward at B=64, H=8, d=64, M ∈ {1024, 8192},
// and fisherDiagonal at N=1024, in=784, out=400; wasm's composite path for context. Fused and
// composite runs alternate so that a change in machine load hits both. Prints medians of wall
// time and of process CPU time (this process's threads, lavapipe's included: steadier than wall
// time when other processes share the cores), their ratios, and the peak bytes of live tensors.
//
// HOLOMIND_BENCH_RUNS=5 (default) timed runs after one warm-up; fewer for a quick look.
// HOLOMIND_BENCH_BACKENDS=webgpu,wasm (default) which backends to measure.
import * as tf from '@tensorflow/tfjs-core';
import { median, useSoftwareWebGpuIfInstalled } from '@holomind/testing';
import { disposeBackend, fisherDiagonal, initBackend, memoryAttention } from '../src/index.js';
import type { BackendName, KernelImplementation } from '../src/index.js';

useSoftwareWebGpuIfInstalled();
const RUNS = Math.max(1, Number(process.env.HOLOMIND_BENCH_RUNS ?? 5));
const BACKENDS = (process.env.HOLOMIND_BENCH_BACKENDS ?? 'webgpu,wasm').split(',') as BackendName[];

interface Measurement {
  wallMs: number;
  cpuMs: number;
  peakBytes: number;
}

async function settle(result: tf.Tensor | tf.Tensor[]): Promise<void> {
  const tensors = Array.isArray(result) ? result : [result];
  await Promise.all(tensors.map((tensor) => tensor.data()));
  tf.dispose(tensors);
}

async function timeOnce(work: () => tf.Tensor | tf.Tensor[]): Promise<{ wallMs: number; cpuMs: number }> {
  const cpu = process.cpuUsage();
  const start = performance.now();
  await settle(work());
  const used = process.cpuUsage(cpu);
  return { wallMs: performance.now() - start, cpuMs: (used.user + used.system) / 1000 };
}

async function peakBytes(work: () => tf.Tensor | tf.Tensor[]): Promise<number> {
  const before = tf.memory().numBytes;
  let result: tf.Tensor | tf.Tensor[] = [];
  const profile = await tf.profile(() => {
    result = work();
    return result;
  });
  await settle(result);
  return profile.peakBytes - before;
}

/**
 * Warm-up, then RUNS alternating timed runs of every variant, then one profiled run each.
 * Not `measure`: it times wall clock only and runs each variant's iterations back to back, while
 * this bench needs process CPU time too and alternation so machine load hits every variant alike.
 */
async function compare(variants: Record<string, () => tf.Tensor | tf.Tensor[]>): Promise<Record<string, Measurement>> {
  const names = Object.keys(variants);
  for (const name of names) await settle(variants[name]!());
  const times: Record<string, Array<{ wallMs: number; cpuMs: number }>> = Object.fromEntries(names.map((n) => [n, []]));
  for (let run = 0; run < RUNS; run++) {
    for (const name of run % 2 ? [...names].reverse() : names) times[name]!.push(await timeOnce(variants[name]!));
  }
  const result: Record<string, Measurement> = {};
  for (const name of names) {
    result[name] = {
      wallMs: median(times[name]!.map((t) => t.wallMs)),
      cpuMs: median(times[name]!.map((t) => t.cpuMs)),
      peakBytes: await peakBytes(variants[name]!),
    };
  }
  return result;
}

const rows: string[] = [];
const mib = (bytes: number) => (bytes / 2 ** 20).toFixed(1);

function report(operation: string, sizes: string, backend: string, results: Record<string, Measurement>): void {
  const composite = results.composite!;
  for (const [name, m] of Object.entries(results)) {
    const ratio =
      name === 'composite'
        ? '1.00 / 1.00'
        : `${(composite.wallMs / m.wallMs).toFixed(2)} / ${(composite.cpuMs / m.cpuMs).toFixed(2)}`;
    const row = `| ${operation} | ${sizes} | ${backend} | ${name} | ${m.wallMs.toFixed(0)} | ${m.cpuMs.toFixed(0)} | ${ratio} | ${mib(m.peakBytes)} |`;
    rows.push(row);
    console.log(row);
  }
}

function attentionVariants(backend: BackendName, slots: number) {
  const [batch, heads, dim] = [64, 8, 64];
  const query = tf.randomNormal([batch, heads, dim]) as tf.Tensor3D;
  const keys = tf.randomNormal([slots, heads, dim]) as tf.Tensor3D;
  const values = tf.randomNormal([slots, heads, dim]) as tf.Tensor3D;
  const implementations: KernelImplementation[] = backend === 'webgpu' ? ['composite', 'fused'] : ['composite'];
  const forward = (implementation: KernelImplementation) => () => memoryAttention(query, keys, values, { implementation }).output;
  const forwardBackward = (implementation: KernelImplementation) => () =>
    tf.grads((q: tf.Tensor, k: tf.Tensor, v: tf.Tensor) =>
      tf.sum(memoryAttention(q as tf.Tensor3D, k as tf.Tensor3D, v as tf.Tensor3D, { implementation }).output),
    )([query, keys, values]);
  return {
    sizes: `B=${batch} H=${heads} d=${dim} M=${slots}`,
    forward: Object.fromEntries(implementations.map((i) => [i, forward(i)])),
    forwardBackward: Object.fromEntries(implementations.map((i) => [i, forwardBackward(i)])),
    dispose: () => tf.dispose([query, keys, values]),
  };
}

for (const backend of BACKENDS) {
  const info = await initBackend({ backends: backend });
  const device = info.adapter ? `${info.adapter.description || info.adapter.device} (${info.adapter.architecture})` : backend;
  console.log(`\n# ${backend}: ${device}, ${RUNS} runs after a warm-up`);
  for (const slots of [1024, 8192]) {
    const attention = attentionVariants(backend, slots);
    report('attention forward', attention.sizes, backend, await compare(attention.forward));
    report('attention forward+backward', attention.sizes, backend, await compare(attention.forwardBackward));
    attention.dispose();
  }
  const inputs = tf.randomNormal([1024, 784]) as tf.Tensor2D;
  const gradients = tf.randomNormal([1024, 400]) as tf.Tensor2D;
  const fisher = (implementation: KernelImplementation) => () => {
    const { kernel, bias } = fisherDiagonal(inputs, gradients, { implementation });
    return [kernel, bias];
  };
  const implementations: KernelImplementation[] = backend === 'webgpu' ? ['composite', 'fused'] : ['composite'];
  report(
    'fisherDiagonal',
    'N=1024 in=784 out=400',
    backend,
    await compare(Object.fromEntries(implementations.map((i) => [i, fisher(i)]))),
  );
  tf.dispose([inputs, gradients]);
  await disposeBackend();
}

console.log(
  '\n| operation | sizes | backend | implementation | wall ms (median) | CPU ms (median) | speed-up wall / CPU | peak MiB |',
);
console.log('| --- | --- | --- | --- | --- | --- | --- | --- |');
for (const row of rows) console.log(row);
