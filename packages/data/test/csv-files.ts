// Large CSV files for the streaming reader's memory test and bench (not part of the package).
import { execFile } from 'node:child_process';
import { createWriteStream } from 'node:fs';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { SeededRandom } from '@holomind/core';

/** What {@link writeNumericCsv} wrote: rows, bytes and the sum of every feature and label. */
export interface WrittenCsv {
  rows: number;
  bytes: number;
  checksum: number;
}

/**
 * Writes a CSV of `columns` integer features in 0..255 (pixels, the densest realistic numeric CSV)
 * and a label 0..9, about `bytes` long, streaming. Seeded: the same call writes the same file.
 */
export async function writeNumericCsv(
  file: string,
  { bytes, columns, seed }: { bytes: number; columns: number; seed: number },
): Promise<WrittenCsv> {
  const random = new SeededRandom(seed);
  const out = createWriteStream(file);
  let written = 0;
  let rows = 0;
  let checksum = 0;
  const header = `${Array.from({ length: columns }, (_, j) => `p${j}`).join(',')},label\n`;
  out.write(header);
  written += header.length;
  let buffer: string[] = [];
  let buffered = 0;
  while (written < bytes) {
    const cells = Array.from({ length: columns }, () => Math.floor(random.next() * 256));
    const label = rows % 10;
    checksum += cells.reduce((sum, value) => sum + value, label);
    const line = `${cells.join(',')},${label}\n`;
    buffer.push(line);
    buffered += line.length;
    written += line.length;
    rows++;
    if (buffered > 1 << 20) {
      if (!out.write(buffer.join(''))) await once(out, 'drain');
      buffer = [];
      buffered = 0;
    }
  }
  out.end(buffer.join(''));
  await once(out, 'finish');
  return { rows, bytes: written, checksum };
}

/** What a fresh Node process measured while {@link measureCsvLoad} read a file. */
export interface CsvLoadMeasurement {
  rows: number;
  checksum: number;
  /** Peak resident set size of the process, bytes. */
  peakRss: number;
  /** Peak RSS minus the RSS just before reading (the package already imported). */
  rssGrowth: number;
  seconds: number;
}

const distEntry = new URL('../dist/index.js', import.meta.url).href;

/**
 * Reads `file` with the built package's `readCsvDataset` in a new Node process (so its peak RSS is
 * the read's alone) and reports rows, checksum, peak RSS and time. Needs `pnpm build` first.
 */
export async function measureCsvLoad(
  file: string,
  { maxOldSpaceMb }: { maxOldSpaceMb?: number } = {},
): Promise<CsvLoadMeasurement> {
  const script = `
    import { readCsvDataset } from ${JSON.stringify(distEntry)};
    const baseRss = process.memoryUsage().rss;
    const started = performance.now();
    const dataset = await readCsvDataset(${JSON.stringify(file)});
    const seconds = (performance.now() - started) / 1000;
    let checksum = 0;
    for (const value of dataset.features) checksum += value;
    for (const label of dataset.labels) checksum += label;
    const peakRss = process.resourceUsage().maxRSS * 1024;
    console.log(JSON.stringify({ rows: dataset.labels.length, checksum, peakRss, rssGrowth: peakRss - baseRss, seconds }));
  `;
  const flags = maxOldSpaceMb ? [`--max-old-space-size=${maxOldSpaceMb}`] : [];
  const { stdout } = await promisify(execFile)(process.execPath, [...flags, '--input-type=module', '-e', script], {
    cwd: fileURLToPath(new URL('..', import.meta.url)),
    maxBuffer: 1 << 20,
  });
  return JSON.parse(stdout.trim().split('\n').pop()!) as CsvLoadMeasurement;
}
