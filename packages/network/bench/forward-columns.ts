/**
 * Cost of ProgressiveNetwork.forward against the number of columns (1..10), and of a forward pass
 * that reads an attached ExternalMemory of 1k and 10k slots, on wasm, measured in one run.
 * Prints medians (timed by `measure` from @holomind/testing) and ratios; never gates anything on time.
 */
import * as tf from '@tensorflow/tfjs-core';
import { disposeBackend, initBackend } from '@holomind/tensor-kernels';
import { ExternalMemory } from '@holomind/memory';
import { measure } from '@holomind/testing';
import { ProgressiveNetwork } from '../src/index.js';

const backend = process.env.HOLOMIND_BACKEND ?? 'wasm';
const batch = 64;
const repeats = 40;
const memoryRepeats = 10;
const columnOptions = { hiddenSizes: [64, 64] };

/** One forward pass of `taskId`, waiting for the logits. */
function forward(network: ProgressiveNetwork, inputs: tf.Tensor, taskId: string): () => Promise<void> {
  return async () => {
    const logits = network.forward(inputs, taskId);
    await logits.data();
    logits.dispose();
  };
}

async function main() {
  const info = await initBackend({ backends: backend as 'wasm' });
  const inputs = tf.randomUniform([batch, 784], 0, 1, 'float32', 1);

  // forward(x, task-k) runs the extractor and columns 1..k only, so one 10-column network covers every count.
  const network = new ProgressiveNetwork({
    inputShape: [784],
    extractor: { kind: 'mlp', hiddenSizes: [128] },
    column: columnOptions,
    seed: 1,
  });
  const parameters: number[] = [];
  for (let count = 1; count <= 10; count++) {
    network.addTask(`task-${count}`, { outputSize: 10 });
    parameters.push(network.describe().parameters.total);
  }
  const columnTimings = await measure(
    Object.fromEntries(parameters.map((_, index) => [`task-${index + 1}`, forward(network, inputs, `task-${index + 1}`)])),
    { iterations: repeats, warmup: 2 },
  );
  const columns = columnTimings.map(({ medianMs }, index) => ({
    count: index + 1,
    ms: medianMs,
    parameters: parameters[index]!,
  }));

  const networks: ProgressiveNetwork[] = [];
  const memories: ExternalMemory[] = [];
  for (const slots of [1000, 10000]) {
    const memory = new ExternalMemory({ slots, keySize: 32, heads: 4 });
    for (let start = 0; start < slots; start += 1000) {
      const rows = tf.randomNormal([1000, 128], 0, 1, 'float32', start + 2);
      memory.write(rows, new Float32Array(1000).fill(1));
      rows.dispose();
    }
    const withMemory = new ProgressiveNetwork({
      inputShape: [784],
      extractor: { kind: 'mlp', hiddenSizes: [128] },
      column: columnOptions,
      memory,
      seed: 1,
    });
    withMemory.addTask('task-1', { outputSize: 10 });
    networks.push(withMemory);
    memories.push(memory);
  }
  const [plain, small, large] = await measure(
    {
      'without memory': forward(network, inputs, 'task-1'),
      '1k slots': forward(networks[0]!, inputs, 'task-1'),
      '10k slots': forward(networks[1]!, inputs, 'task-1'),
    },
    { iterations: memoryRepeats, warmup: 2 },
  );
  const memoryRows = [
    { slots: 1000, ms: small!.medianMs, withoutMemory: plain!.medianMs },
    { slots: 10000, ms: large!.medianMs, withoutMemory: plain!.medianMs },
  ];
  for (const disposable of [...networks, ...memories, network]) disposable.dispose();
  inputs.dispose();

  console.log(
    `ProgressiveNetwork.forward on ${info.name}: batch ${batch}, input 784, MLP extractor [128], columns [64, 64] → 10, median of ${repeats} calls each (tinybench, after 2 warm-up calls)`,
  );
  console.log('| columns | forward ms | × 1 column | parameters |');
  console.log('| ---: | ---: | ---: | ---: |');
  for (const row of columns) {
    console.log(`| ${row.count} | ${row.ms.toFixed(2)} | ${(row.ms / columns[0]!.ms).toFixed(2)} | ${row.parameters} |`);
  }
  console.log('');
  console.log(
    `forward of column 1 with an ExternalMemory read (4 heads × keySize 32, cosine, full memory), median of ${memoryRepeats} calls each:`,
  );
  console.log('| slots | forward ms | × without memory |');
  console.log('| ---: | ---: | ---: |');
  for (const row of memoryRows)
    console.log(`| ${row.slots} | ${row.ms.toFixed(2)} | ${(row.ms / row.withoutMemory).toFixed(2)} |`);
  await disposeBackend();
}

await main();
