// pnpm --filter @holomind/state bench
// Saves and loads 100 MiB of float32 through StateStore (SQLite metadata, HDF5 files, fsync and
// rename) and compares with writing the same bytes with fs.writeFile + fsync and reading them
// with fs.readFile, alternating the two in one run. Prints medians and throughput ratios; a ratio
// is the median over repetitions of (plain fs time / StateStore time) of adjacent measurements, so
// load from other processes on a shared machine hits both sides of each pair alike.
import { mkdtempSync, rmSync } from 'node:fs';
import { open, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { createDatabase } from '@holomind/db';
import { measure, median } from '@holomind/testing';
import { StateStore, type NamedArray } from '../src/index.js';

const totalBytes = 100 * 1024 * 1024;
const repetitions = Number(process.env.HOLOMIND_BENCH_REPETITIONS ?? 7);

interface Layout {
  label: string;
  tensors: number;
}
const layouts: Layout[] = [
  { label: '1 tensor of 100 MiB', tensors: 1 },
  { label: '100 tensors of 1 MiB', tensors: 100 },
];

async function writeAndSync(file: string, bytes: Uint8Array): Promise<void> {
  await writeFile(file, bytes);
  const handle = await open(file, 'r');
  await handle.sync();
  await handle.close();
}

function makeState(layout: Layout): Record<string, NamedArray> {
  const perTensor = totalBytes / 4 / layout.tensors;
  const state: Record<string, NamedArray> = {};
  for (let index = 0; index < layout.tensors; index++) {
    const data = new Float32Array(perTensor);
    for (let i = 0; i < perTensor; i++) data[i] = Math.sin(i * 0.001 + index);
    state[`layer_${index}/kernel`] = { data, shape: [perTensor / 1024, 1024] };
  }
  return state;
}

const folder = mkdtempSync(path.join(os.tmpdir(), 'holomind-bench-'));
const db = await createDatabase(`sqlite:${path.join(folder, 'metadata.db')}`);
// The LRU cache is off so every load reads its file; a cached load is timed separately below.
const store = new StateStore({ directory: path.join(folder, 'states'), db, cacheBytes: 0 });
const cachedStore = new StateStore({ directory: path.join(folder, 'states'), db, cacheBytes: 2 * totalBytes });

const rows: string[][] = [];
try {
  for (const layout of layouts) {
    const state = makeState(layout);
    const stateId = `bench-${layout.tensors}`;
    // One contiguous copy of the same bytes for the baseline.
    const plain = new Uint8Array(totalBytes);
    let offset = 0;
    for (const entry of Object.values(state)) {
      plain.set(new Uint8Array(entry.data.buffer, entry.data.byteOffset, entry.data.byteLength), offset);
      offset += entry.data.byteLength;
    }
    const saveTimes: number[] = [];
    const writeTimes: number[] = [];
    const loadTimes: number[] = [];
    const readTimes: number[] = [];
    // Repetition 0 warms up (wasm heap growth, page cache) and is not counted.
    for (let repetition = 0; repetition <= repetitions; repetition++) {
      // New content every time, or content addressing would (rightly) skip the write.
      for (const entry of Object.values(state)) entry.data[0] = repetition + 0.5;
      plain[0] = repetition;
      const baselineFile = path.join(folder, `plain-${repetition}.bin`);
      // One call of each, in this order; declared async so tinybench does not call them once more
      // to find out whether they return promises.
      const measured = await measure(
        {
          save: async () => store.save(stateId, state),
          write: async () => writeAndSync(baselineFile, plain),
          load: async () => store.load(stateId),
          read: async () => readFile(baselineFile),
        },
        { iterations: 1, warmup: 0 },
      );
      const [saveTime, writeTime, loadTime, readTime] = measured.map((measurement) => measurement.medianMs) as [
        number,
        number,
        number,
        number,
      ];
      if (repetition > 0) {
        saveTimes.push(saveTime);
        writeTimes.push(writeTime);
        loadTimes.push(loadTime);
        readTimes.push(readTime);
      }
      await rm(baselineFile);
      await store.prune({ stateId, keepLast: 1 });
    }
    // The warm-up load fills the cache; every timed one is a hit.
    const [cachedLoad] = await measure(
      { cachedLoad: async () => cachedStore.load(stateId) },
      { iterations: repetitions, warmup: 1 },
    );
    const cachedTimes = cachedLoad!.samplesMs;

    const mib = totalBytes / 2 ** 20;
    const throughput = (ms: number) => `${((mib / ms) * 1000).toFixed(0)} MiB/s`;
    const [save, write, load, read, cached] = [saveTimes, writeTimes, loadTimes, readTimes, cachedTimes].map(median) as [
      number,
      number,
      number,
      number,
      number,
    ];
    const pairedRatio = (plain: number[], ours: number[]) =>
      `${(median(plain.map((time, index) => time / ours[index]!)) * 100).toFixed(0)}%`;
    const row = (operation: string, ours: number, plain: number, ratio: string) => [
      layout.label,
      operation,
      `${ours.toFixed(1)} ms (${throughput(ours)})`,
      `${plain.toFixed(1)} ms (${throughput(plain)})`,
      ratio,
    ];
    rows.push(
      row('save vs writeFile+fsync', save, write, pairedRatio(writeTimes, saveTimes)),
      row('load vs readFile', load, read, pairedRatio(readTimes, loadTimes)),
      row('load from LRU cache vs readFile', cached, read, `${((read / cached) * 100).toFixed(0)}%`),
    );
  }
} finally {
  await db.destroy();
  rmSync(folder, { recursive: true, force: true });
}

const header = ['layout (100 MiB float32)', 'operation', 'StateStore median', 'plain fs median', 'throughput ratio'];
const widths = header.map((title, column) => Math.max(title.length, ...rows.map((row) => row[column]!.length)));
const format = (row: string[]) => `| ${row.map((cell, column) => cell.padEnd(widths[column]!)).join(' | ')} |`;
console.log(
  `StateStore bench: ${repetitions} repetitions each (after one warm-up), ${os.cpus().length} x ${os.cpus()[0]?.model ?? 'cpu'}, Node ${process.versions.node}, SQLite metadata, files in ${os.tmpdir()}`,
);
console.log(format(header));
console.log(format(widths.map((width) => '-'.repeat(width))));
for (const row of rows) console.log(format(row));
console.log(
  'throughput ratio = median over repetitions of plain fs time / StateStore time (target >= 50% for save and for load).',
);
