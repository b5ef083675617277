/**
 * Cost of ExternalMemory.read (and write) at 1k and 10k slots on wasm, measured in one run.
 * Prints medians and the 10k/1k ratio; never gates anything on time.
 */
import * as tf from '@tensorflow/tfjs-core';
import { disposeBackend, initBackend } from '@holomind/tensor-kernels';
import { ExternalMemory } from '../src/index.js';

const backend = process.env.HOLOMIND_BACKEND ?? 'wasm';
const batch = 32;
const heads = 4;
const keySize = 32;
const repeats = 15;

function median(times: number[]): number {
  const sorted = [...times].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}

async function timed(work: () => Promise<void> | void): Promise<number> {
  const start = performance.now();
  await work();
  return performance.now() - start;
}

// Rounds visit every case in turn, so load from other processes spreads over all cases alike.
async function interleavedMedians(cases: (() => Promise<number>)[], rounds: number): Promise<number[]> {
  const times = cases.map(() => [] as number[]);
  for (let round = -2; round < rounds; round++) {
    for (const [index, run] of cases.entries()) {
      const elapsed = await run();
      if (round >= 0) times[index]!.push(elapsed);
    }
  }
  return times.map(median);
}

function filledMemory(slots: number): ExternalMemory {
  const memory = new ExternalMemory({ slots, keySize, heads });
  for (let start = 0; start < slots; start += 1000) {
    const rows = tf.randomNormal([Math.min(1000, slots - start), heads * keySize], 0, 1, 'float32', start + 1);
    memory.write(rows, new Float32Array(rows.shape[0]).fill(1));
    rows.dispose();
  }
  return memory;
}

async function main() {
  const info = await initBackend({ backends: backend as 'wasm' });
  const query = tf.randomNormal([batch, heads * keySize], 0, 1, 'float32', 7) as tf.Tensor2D;
  const newRows = tf.randomNormal([batch, heads * keySize], 0, 1, 'float32', 8);
  const importance = new Float32Array(batch).fill(2);
  const sizes = [1000, 10000];
  const memories = sizes.map(filledMemory);
  const read = (memory: ExternalMemory, track: boolean) => () =>
    timed(async () => {
      const output = memory.read(query, { track });
      await output.data();
      output.dispose();
    });
  const write = (memory: ExternalMemory) => () => timed(() => void memory.write(newRows, importance));
  const medians = await interleavedMedians(
    memories.flatMap((memory) => [read(memory, true), read(memory, false), write(memory)]),
    repeats,
  );
  const rows = sizes.map((slots, index) => ({
    slots,
    read: medians[3 * index]!,
    readUntracked: medians[3 * index + 1]!,
    write: medians[3 * index + 2]!,
    bytes: memories[index]!.stats().bytes,
  }));
  memories.forEach((memory) => memory.dispose());
  tf.dispose([query, newRows]);
  console.log(
    `ExternalMemory on ${info.name}: batch ${batch} queries, ${heads} heads × keySize ${keySize} (cosine), median of ${repeats} interleaved rounds`,
  );
  console.log('| slots | read (tracked) ms | read (untracked) ms | write 32 items ms | bytes |');
  console.log('| ---: | ---: | ---: | ---: | ---: |');
  for (const row of rows) {
    console.log(
      `| ${row.slots} | ${row.read.toFixed(2)} | ${row.readUntracked.toFixed(2)} | ${row.write.toFixed(2)} | ${row.bytes} |`,
    );
  }
  const [small, large] = rows as [(typeof rows)[number], (typeof rows)[number]];
  console.log(
    `ratio 10k/1k: read ${(large.read / small.read).toFixed(2)}×, untracked read ${(large.readUntracked / small.readUntracked).toFixed(2)}×, write ${(large.write / small.write).toFixed(2)}×`,
  );
  await disposeBackend();
}

await main();
