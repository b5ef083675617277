// The property tests of issue #15 with many more cases than CI runs (1,000 per reader there):
// `pnpm --filter @holomind/examples bench` (or HOLOMIND_PROPERTY_RUNS=N node bench/property-fuzz.mjs).
// Prints each reader's case count and outcomes; a failure prints fast-check's seed to replay it
// (HOLOMIND_PROPERTY_SEED=<seed>).
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
const runs = process.env.HOLOMIND_PROPERTY_RUNS ?? '20000';
const suites = [
  ['packages/data', 'src/idx.property.test.ts'],
  ['apps/examples', 'src/config/load-config.property.test.ts'],
  ['packages/state', 'src/hdf5-reader.property.test.ts'],
  ['packages/monitoring', 'src/tensorboard/event-reader.property.test.ts'],
];

let failed = 0;
for (const [folder, file] of suites) {
  const started = Date.now();
  const result = spawnSync('pnpm', ['exec', 'vitest', 'run', file], {
    cwd: path.join(root, folder),
    env: { ...process.env, HOLOMIND_PROPERTY_RUNS: runs },
    encoding: 'utf8',
  });
  const output = `${result.stdout}\n${result.stderr}`;
  const counts = output.split('\n').filter((line) => line.startsWith('property '));
  const seconds = ((Date.now() - started) / 1000).toFixed(1);
  console.log(`${folder}/${file}: ${result.status === 0 ? 'passed' : 'FAILED'} in ${seconds} s`);
  for (const line of counts) console.log(`  ${line}`);
  if (result.status !== 0) {
    failed++;
    console.log(
      output
        .split('\n')
        .filter((line) => /seed|Counterexample|Error/.test(line))
        .slice(0, 12)
        .join('\n'),
    );
  }
}
process.exitCode = failed > 0 ? 1 : 0;
