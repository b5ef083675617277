import { createDataset, decodeIdx, splitBenchmark, type BenchmarkTask, type SplitInput } from '@holomind/data';
import { PlaygroundError } from './errors.js';
import type { PlaygroundSettings } from './protocol.js';

const PIXELS = 28 * 28;

async function fetchIdx(url: string): Promise<ReturnType<typeof decodeIdx>> {
  const response = await fetch(url);
  if (!response.ok) {
    throw new PlaygroundError(
      'DIGITS_MISSING',
      `Could not fetch ${url} (HTTP ${response.status}); write the digits with \`pnpm --filter playground digits\`.`,
    );
  }
  return decodeIdx(new Uint8Array(await response.arrayBuffer()), url);
}

async function fetchSplit(base: string, prefix: 'train' | 't10k'): Promise<SplitInput> {
  const [images, labels] = await Promise.all([
    fetchIdx(`${base}digits/${prefix}-images-idx3-ubyte`),
    fetchIdx(`${base}digits/${prefix}-labels-idx1-ubyte`),
  ]);
  const features = Float32Array.from(images.data as ArrayLike<number>, (value) => value / 255);
  return { features, labels: Int32Array.from(labels.data as ArrayLike<number>), featureShape: [PIXELS] };
}

/**
 * Split MNIST, class-incremental, from the digits the page serves (IDX files written at build time):
 * task t holds digits 2t and 2t+1 with labels 2t and 2t+1 of one 10-way head.
 */
export async function loadSplitMnist(base: string, settings: PlaygroundSettings): Promise<BenchmarkTask[]> {
  const [train, test] = await Promise.all([fetchSplit(base, 'train'), fetchSplit(base, 't10k')]);
  const dataset = createDataset({ name: 'mnist-subset', train, test, numClasses: 10, imageShape: [28, 28] });
  return splitBenchmark(dataset, {
    tasks: 5,
    seed: 0,
    scenario: 'class-incremental',
    classOrder: [0, 1, 2, 3, 4, 5, 6, 7, 8, 9],
    trainSamplesPerTask: settings.trainPerTask,
    testSamplesPerTask: settings.testPerTask,
  }).slice(0, settings.tasks);
}
