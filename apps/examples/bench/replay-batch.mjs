// `pnpm --filter @holomind/examples bench:replay-batch`: what replaying fewer stored examples per
// step costs in accuracy. Class-incremental Split MNIST under `pnpm bench:cl`'s protocol
// (cl-protocol.yaml: 784-400-400, one epoch per task, 500 stored digits), the holomind strategy
// (DER++ replay, two draws per step), seeds 0-2, once per `replay.batchSize` (stored examples per
// draw; the protocol's default is the training batch, 128). The step-time side of the trade is the
// training-step bench's "16 per draw" row. Reports test accuracy; chooses nothing (no default is
// tuned on these numbers). Writes bench/results/replay-batch.{json,md}.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { PROTOCOL_FILE, RESULTS_DIR as results, SEEDS as seeds, runCompare } from './compare-process.mjs';

const work = path.join(results, 'runs', 'replay-batch');
const sizes = (process.env.REPLAY_BATCHES ?? '8,16,32,64,128').split(',').map(Number);

mkdirSync(work, { recursive: true });
const protocol = readFileSync(PROTOCOL_FILE, 'utf8');

async function compare(batchSize) {
  const config = path.join(work, `protocol-${batchSize}.yaml`);
  // The protocol file's replay section with one key added.
  writeFileSync(config, protocol.replace(/^replay:\n/m, `replay:\n  batchSize: ${batchSize}\n`));
  const output = path.join(work, `batch-${batchSize}`);
  const json = path.join(work, `batch-${batchSize}.json`);
  await runCompare({
    label: `replay.batchSize ${batchSize}`,
    config,
    args: ['--benchmark', 'split-mnist', '--scenario', 'class-incremental', '--tasks', '5'],
    strategies: ['holomind'],
    seeds,
    output,
    json,
  });
  const { strategies } = JSON.parse(readFileSync(json, 'utf8'));
  return { batchSize, ...strategies[0] };
}

const rows = [];
for (const batchSize of sizes) {
  const row = await compare(batchSize);
  console.log(`replay.batchSize ${batchSize}: ${row.accuracy.mean.toFixed(2)} ± ${row.accuracy.std.toFixed(2)} %`);
  rows.push(row);
}
const lines = [
  `Class-incremental Split MNIST, holomind (DER++ replay, two draws per step), bench:cl's protocol, seeds ${seeds.join(', ')}.`,
  '',
  '| replay.batchSize (per draw) | examples per step | average accuracy % | average forgetting (points) | seconds per run |',
  '| ---: | ---: | ---: | ---: | ---: |',
  ...rows.map(
    ({ batchSize, accuracy, forgetting, seconds }) =>
      `| ${batchSize} | 128 + 2 × ${batchSize} | ${accuracy.mean.toFixed(2)} ± ${accuracy.std.toFixed(2)} | ` +
      `${forgetting.mean.toFixed(2)} ± ${forgetting.std.toFixed(2)} | ${seconds.mean.toFixed(0)} |`,
  ),
];
writeFileSync(path.join(results, 'replay-batch.json'), `${JSON.stringify({ seeds, rows }, null, 2)}\n`);
writeFileSync(path.join(results, 'replay-batch.md'), `${lines.join('\n')}\n`);
console.log(lines.join('\n'));
