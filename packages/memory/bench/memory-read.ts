/**
 * Cost of ExternalMemory.read (and write) at 1k and 10k slots on wasm, measured in one run.
 * Prints medians (timed by `measure` from @holomind/testing) and the 10k/1k ratio; never gates
 * anything on time.
 */
import * as tf from '@tensorflow/tfjs-core';
import { disposeBackend, initBackend } from '@holomind/tensor-kernels';
import { measure } from '@holomind/testing';
import { ExternalMemory } from '../src/index.js';

const backend = process.env.HOLOMIND_BACKEND ?? 'wasm';
const batch = 32;
const heads = 4;
const keySize = 32;
const repeats = 15;

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
  const read = (memory: ExternalMemory, track: boolean) => async () => {
    const output = memory.read(query, { track });
    await output.data();
    output.dispose();
  };
  const write = (memory: ExternalMemory) => () => void memory.write(newRows, importance);
  const cases: Record<string, () => unknown> = {};
  for (const [index, slots] of sizes.entries()) {
    cases[`read ${slots}`] = read(memories[index]!, true);
    cases[`readUntracked ${slots}`] = read(memories[index]!, false);
    cases[`write ${slots}`] = write(memories[index]!);
  }
  const timings = await measure(cases, { iterations: repeats, warmup: 2 });
  const medianOf = (name: string) => timings.find((timing) => timing.name === name)!.medianMs;
  const rows = sizes.map((slots, index) => ({
    slots,
    read: medianOf(`read ${slots}`),
    readUntracked: medianOf(`readUntracked ${slots}`),
    write: medianOf(`write ${slots}`),
    bytes: memories[index]!.stats().bytes,
  }));
  memories.forEach((memory) => memory.dispose());
  tf.dispose([query, newRows]);
  console.log(
    `ExternalMemory on ${info.name}: batch ${batch} queries, ${heads} heads × keySize ${keySize} (cosine), median of ${repeats} calls each (tinybench, after 2 warm-up calls)`,
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
