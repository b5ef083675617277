/**
 * Load + parse of Fashion-MNIST's training images (readIdxImages: read, gunzip, IDX header checks,
 * bytes -> float32 in [0, 1]) against gunzip alone on the same file, interleaved in one run.
 * Target: load + parse <= 1.5x gunzip. Run: pnpm --filter @holomind/data bench
 */
import { readFileSync } from 'node:fs';
import os from 'node:os';
import { promisify } from 'node:util';
import zlib from 'node:zlib';
import { measure, median } from '@holomind/testing';
import { DEBIAN_FASHION_MNIST_DIRECTORY, readIdxImages } from '../src/index.js';

const directory = process.env.HOLOMIND_FASHION_MNIST_DIR ?? DEBIAN_FASHION_MNIST_DIRECTORY;
const file = `${directory}/train-images-idx3-ubyte.gz`;
const runs = Number(process.env.HOLOMIND_BENCH_RUNS ?? 9);
const gunzipAsync = promisify(zlib.gunzip);
const collectGarbage = (globalThis as { gc?: () => void }).gc ?? (() => {});

const compressed = readFileSync(file);
const timings = { gunzipSync: [] as number[], gunzipAsync: [] as number[], loadAndParse: [] as number[] };
let checksum = 0;
// Declared async: tinybench calls a plain function once, untimed, to learn whether it returns a promise.
const variants = {
  gunzipSync: async () => zlib.gunzipSync(compressed),
  gunzipAsync: async () => gunzipAsync(compressed),
  loadAndParse: async () => {
    const { images } = await readIdxImages(file);
    for (let i = 0; i < images.length; i += 4099) checksum += images[i]!; // keeps the result observably used
  },
};
// One warm-up call each, then one timed call of every variant per round, so load on the machine
// hits every variant alike (one measure() over all iterations would time the variants apart).
for (let round = 0; round < runs; round++) {
  const measured = await measure(variants, { iterations: 1, warmup: round === 0 ? 1 : 0, beforeEach: collectGarbage });
  for (const { name, medianMs } of measured) timings[name as keyof typeof timings].push(medianMs);
}

const gunzipSyncMs = median(timings.gunzipSync);
const gunzipAsyncMs = median(timings.gunzipAsync);
const loadMs = median(timings.loadAndParse);
const fastestGunzip = Math.min(gunzipSyncMs, gunzipAsyncMs);
const best = (values: number[]) => Math.min(...values);
const [load1, load5] = os.loadavg();
console.log(
  `machine: ${os.cpus().length} x ${os.cpus()[0]?.model ?? 'cpu'}, Node ${process.version}, load average ${load1!.toFixed(1)} / ${load5!.toFixed(1)} (1 / 5 min)`,
);
console.log(
  `file: ${file} (${compressed.length} bytes gzip, 47,040,016 bytes IDX, 60000 x 28 x 28); ${runs} interleaved runs after 1 warm-up`,
);
console.table({
  'zlib.gunzipSync(bytes in memory)': { median_ms: +gunzipSyncMs.toFixed(1), best_ms: +best(timings.gunzipSync).toFixed(1) },
  'zlib.gunzip (async, bytes in memory)': {
    median_ms: +gunzipAsyncMs.toFixed(1),
    best_ms: +best(timings.gunzipAsync).toFixed(1),
  },
  'readIdxImages(file): read + gunzip + parse -> Float32Array': {
    median_ms: +loadMs.toFixed(1),
    best_ms: +best(timings.loadAndParse).toFixed(1),
  },
});
const ratio = loadMs / fastestGunzip;
console.log(
  `ratio of medians, load+parse / fastest gunzip alone = ${ratio.toFixed(2)}x (target <= 1.5x): ${ratio <= 1.5 ? 'MET' : 'NOT MET'}`,
);
console.log(
  `ratio of best runs = ${(best(timings.loadAndParse) / Math.min(best(timings.gunzipSync), best(timings.gunzipAsync))).toFixed(2)}x; ` +
    `load+parse overlaps inflating (thread pool) with converting (main thread), so it needs a second idle core: ` +
    `on a busy machine the ratio rises. checksum ${checksum.toFixed(2)}`,
);
