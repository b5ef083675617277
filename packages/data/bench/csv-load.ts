/**
 * Issue 15, finding 11: a 200 MB CSV (784 integer pixel columns and a label, the densest realistic
 * numeric CSV) read by readCsvDataset in a fresh Node process; prints its peak RSS against the
 * 1.5 GB target and the bytes of memory per byte of file (the whole-file reader needed ~37 and
 * died at 4.46 GiB). Size: HOLOMIND_CSV_BENCH_MB (default 200). Needs `pnpm build` first.
 * Run: pnpm --filter @holomind/data bench:csv
 */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { measureCsvLoad, writeNumericCsv } from '../test/csv-files.js';

const megabytes = Number(process.env.HOLOMIND_CSV_BENCH_MB ?? 200);
const folder = mkdtempSync(path.join(os.tmpdir(), 'holomind-csv-bench-'));
try {
  const file = path.join(folder, 'pixels.csv');
  const started = performance.now();
  const written = await writeNumericCsv(file, { bytes: megabytes * 1e6, columns: 784, seed: 15 });
  console.log(
    `wrote ${(written.bytes / 1e6).toFixed(1)} MB, ${written.rows} rows, in ${((performance.now() - started) / 1000).toFixed(1)} s`,
  );
  const load = await measureCsvLoad(file);
  const outputBytes = written.rows * (784 * 4 + 4);
  const gib = (bytes: number) => (bytes / 2 ** 30).toFixed(3);
  console.log(
    `readCsvDataset: ${load.rows} rows in ${load.seconds.toFixed(1)} s (${(written.bytes / 1e6 / load.seconds).toFixed(1)} MB/s; machine load ${os.loadavg()[0]!.toFixed(1)} on ${os.cpus().length} cores)`,
  );
  console.log(
    `peak RSS ${gib(load.peakRss)} GiB (target < 1.5 GB: ${load.peakRss < 1.5e9 ? 'met' : 'NOT met'}); growth while reading ${gib(load.rssGrowth)} GiB ` +
      `= ${(load.rssGrowth / outputBytes).toFixed(2)}x the output arrays (${gib(outputBytes)} GiB), ${(load.rssGrowth / written.bytes).toFixed(2)} bytes per file byte`,
  );
  if (load.rows !== written.rows || load.checksum !== written.checksum)
    throw new Error('the read data differs from the written data');
  console.log('checksum of every feature and label: equal to the written one');
} finally {
  rmSync(folder, { recursive: true, force: true });
}
