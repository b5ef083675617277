// pnpm --filter @holomind/tensor-kernels bench (second part)
//
// A plain float32 matMul on the wasm backend with 1 thread (tfjs's single-threaded SIMD build) and
// with HOLOMIND_BENCH_WASM_THREADS (default 2) threads (the threaded build, started in Node by our
// patch of @tensorflow/tfjs-backend-wasm), in one process. Prints medians of wall time and of
// process CPU time (worker threads included) and the ratios; the 1-minute load average says how
// much other processes took. The network package's training-epoch bench has the same comparison
// for a training epoch.
//
// HOLOMIND_BENCH_RUNS=9 (default) timed products after one warm-up.
import { cpus, loadavg } from 'node:os';
import * as tf from '@tensorflow/tfjs-core';
import { disposeBackend, initBackend } from '../src/index.js';

const RUNS = Math.max(1, Number(process.env.HOLOMIND_BENCH_RUNS ?? 9));
const THREADS = Number(process.env.HOLOMIND_BENCH_WASM_THREADS ?? 2);
const SIZES = [512, 1024];

// The middle value (the upper one of an even count). Not @holomind/testing's median: its index imports vitest.
const middle = (values: number[]): number => [...values].sort((a, b) => a - b)[values.length >> 1]!;

interface Row {
  label: string;
  wallMs: number;
  cpuMs: number;
}

async function timeMatMul(size: number): Promise<{ wallMs: number; cpuMs: number }> {
  const a = tf.randomNormal([size, size], 0, 1, 'float32', 1);
  const b = tf.randomNormal([size, size], 0, 1, 'float32', 2);
  const wall: number[] = [];
  const cpu: number[] = [];
  for (let run = -1; run < RUNS; run++) {
    const [start, cpuStart] = [performance.now(), process.cpuUsage()];
    const product = tf.matMul(a, b);
    await product.data();
    const used = process.cpuUsage(cpuStart);
    product.dispose();
    if (run < 0) continue; // warm-up
    wall.push(performance.now() - start);
    cpu.push((used.user + used.system) / 1000);
  }
  tf.dispose([a, b]);
  return { wallMs: middle(wall), cpuMs: middle(cpu) };
}

async function main(): Promise<void> {
  const rows: Row[] = [];
  for (const threads of [1, THREADS]) {
    const info = await initBackend({ backends: 'wasm', threads });
    for (const size of SIZES) rows.push({ label: `${size}x${size}, threads=${info.threads}`, ...(await timeMatMul(size)) });
    await disposeBackend();
  }
  console.log(`wasm matMul, float32, median of ${RUNS} after a warm-up (wall and process CPU, worker threads included)`);
  console.log(`${'product'.padEnd(24)} ${'wall ms'.padStart(8)} ${'GFLOP/s'.padStart(8)} ${'cpu ms'.padStart(8)}`);
  for (const { label, wallMs, cpuMs } of rows) {
    const size = Number(label.split('x')[0]);
    const gflops = (2 * size ** 3) / (wallMs * 1e6);
    console.log(
      `${label.padEnd(24)} ${wallMs.toFixed(1).padStart(8)} ${gflops.toFixed(1).padStart(8)} ${cpuMs.toFixed(1).padStart(8)}`,
    );
  }
  SIZES.forEach((size, index) => {
    const [single, threaded] = [rows[index]!, rows[SIZES.length + index]!];
    console.log(
      `${size}x${size}: ${threaded.label.split(', ')[1]} vs threads=1: wall ${(threaded.wallMs / single.wallMs).toFixed(2)}x, ` +
        `cpu ${(threaded.cpuMs / single.cpuMs).toFixed(2)}x (below 1: faster)`,
    );
  });
  console.log(`machine load (1-minute average) at the end: ${loadavg()[0]!.toFixed(1)} on ${cpus().length} cores`);
}

await main();
