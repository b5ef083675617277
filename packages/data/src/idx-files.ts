import { DataError } from './errors.js';
import {
  IdxDecoder,
  bytesToUnitFloats,
  elementsFromBigEndian,
  expectIdxLayout,
  type IdxArray,
  type IdxDataSink,
  type IdxHeader,
} from './idx.js';
import { nodeZlib, pathExists, readFileBytes } from './node-io.js';
import type { ImageDataset, ImageSplit } from './split.js';

// 256 KiB output chunks: few enough thread-pool round trips, small enough that converting one chunk
// on the main thread overlaps with zlib inflating the next one on the pool.
const GUNZIP_CHUNK_BYTES = 1 << 18;

// Deflate emits at most 258 bytes per 2 bits of input: no gzip file inflates to more than 1032x its size.
const MAX_DEFLATE_RATIO = 1032;
// What a reader reserves for gzip data before it has arrived, unless the gzip trailer confirms the header.
const GZIP_FIRST_RESERVE_BYTES = 1 << 20;

/**
 * Called once the header is known. `reserveBytes` is how many data bytes to allocate up front: all
 * of them when the input's size confirms the header, less for gzip (the sink grows with the data).
 */
type IdxSinkFactory = (header: IdxHeader, reserveBytes: number) => IdxDataSink;

/**
 * A typed array that grows as data arrives (doubling, never beyond the announced length), so a
 * header announcing gigabytes costs at most twice what the file really holds.
 */
class ArrivingArray<T extends Uint8Array | Int32Array | Float32Array> {
  private array: T;

  constructor(
    private readonly allocate: (length: number) => T,
    private readonly finalLength: number,
    reserveLength: number,
  ) {
    this.array = allocate(Math.min(finalLength, reserveLength));
  }

  /** The array, grown so that indices below `end` exist. */
  reserve(end: number): T {
    if (end > this.array.length) {
      const grown = this.allocate(Math.min(this.finalLength, Math.max(end, this.array.length * 2)));
      grown.set(this.array);
      this.array = grown;
    }
    return this.array;
  }

  /** The array as it stands; after the decoder's `end()` it holds exactly `finalLength` elements. */
  get value(): T {
    return this.array;
  }
}

/** The uncompressed size modulo 2^32 from a gzip file's trailer (of its last member). */
function gzipTrailerSize(bytes: Uint8Array): number | undefined {
  if (bytes.length < 18) return undefined;
  return new DataView(bytes.buffer, bytes.byteOffset + bytes.length - 4, 4).getUint32(0, true);
}

/**
 * Streams an IDX file (raw, or gzip detected by its magic bytes) through an {@link IdxDecoder}.
 * Gzip input is inflated on Node's thread pool while the sink converts the previous chunk. Memory
 * stays bounded by what the file can hold: a header announcing more than the compressed size allows
 * is IDX_TRUNCATED, more than 2 GiB is IDX_TOO_LARGE, and gzip data is reserved as it arrives unless
 * the gzip trailer confirms the announced size.
 */
async function decodeIdxFile(path: string, onHeader: IdxSinkFactory): Promise<IdxHeader> {
  const bytes = await readFileBytes(path, 'IDX file');
  if (!(bytes[0] === 0x1f && bytes[1] === 0x8b)) {
    const decoder = new IdxDecoder(path, (header) => onHeader(header, header.dataBytes), { totalBytes: bytes.length });
    decoder.push(bytes);
    return decoder.end();
  }
  const zlib = await nodeZlib();
  const upperBoundBytes = bytes.length * MAX_DEFLATE_RATIO;
  const trailerSize = gzipTrailerSize(bytes);
  const decoder = new IdxDecoder(
    path,
    (header) => {
      const confirmed = trailerSize === (header.headerBytes + header.dataBytes) % 2 ** 32;
      return onHeader(header, confirmed ? header.dataBytes : Math.max(GZIP_FIRST_RESERVE_BYTES, bytes.length * 4));
    },
    {
      offsetNote: ' (offset in the decompressed data)',
      upperBoundBytes,
      upperBoundReason: `a gzip file of ${bytes.length} bytes inflates to at most ${upperBoundBytes} bytes`,
    },
  );
  const gunzip = zlib.createGunzip({ chunkSize: GUNZIP_CHUNK_BYTES });
  gunzip.end(bytes);
  try {
    for await (const chunk of gunzip) decoder.push(chunk as Buffer);
  } catch (error) {
    if (DataError.isInstance(error)) throw error;
    const zlibCode = (error as NodeJS.ErrnoException).code;
    // Z_BUF_ERROR = the compressed stream stops early. If the IDX data is incomplete too, end()
    // reports where it stops; otherwise only the gzip trailer is missing or damaged.
    if (zlibCode === 'Z_BUF_ERROR' && decoder.bytesConsumed < expectedBytes(decoder.parsedHeader)) decoder.end();
    throw new DataError(
      'GZIP_CORRUPT',
      `${path}: corrupt gzip data (${(error as Error).message}) after ${decoder.bytesConsumed} decompressed bytes; ` +
        `the compressed file has ${bytes.length} bytes. Download or copy the file again.`,
      { file: path, offset: decoder.bytesConsumed, cause: error },
    );
  }
  return decoder.end();
}

function expectedBytes(header: IdxHeader | undefined): number {
  return header ? header.headerBytes + header.dataBytes : Infinity;
}

/** Reads any IDX file (gzip or raw) into the typed array of its element type. Node only. */
export async function readIdx(path: string): Promise<IdxArray> {
  let raw = new ArrivingArray((length) => new Uint8Array(length), 0, 0);
  const header = await decodeIdxFile(path, (found, reserveBytes) => {
    raw = new ArrivingArray((length) => new Uint8Array(length), found.dataBytes, reserveBytes);
    return (bytes, offset) => raw.reserve(offset + bytes.length).set(bytes, offset);
  });
  return { dataType: header.dataType, dims: header.dims, data: elementsFromBigEndian(raw.value, header.dataType) };
}

/** Grey-scale images from an IDX uint8 [count, rows, cols] file, as floats in [0, 1]. */
export interface IdxImages {
  /** [count, rows * cols], pixel byte / 255. */
  images: Float32Array;
  count: number;
  rows: number;
  cols: number;
}

/**
 * Reads an IDX image file (`*-images-idx3-ubyte`, gzip or raw) into floats in [0, 1]. Node only.
 * Throws IDX_BAD_MAGIC, IDX_UNSUPPORTED, IDX_TRUNCATED, IDX_TRAILING_BYTES or GZIP_CORRUPT naming
 * the file and byte offset.
 */
export async function readIdxImages(path: string): Promise<IdxImages> {
  let images = new ArrivingArray((length) => new Float32Array(length), 0, 0);
  const header = await decodeIdxFile(path, (found, reserveBytes) => {
    expectIdxLayout(found, path, 'uint8', 3, 'an image file');
    images = new ArrivingArray((length) => new Float32Array(length), found.dataBytes, reserveBytes);
    return (bytes, offset) => bytesToUnitFloats(bytes, images.reserve(offset + bytes.length), offset);
  });
  const [count, rows, cols] = header.dims as [number, number, number];
  return { images: images.value, count, rows, cols };
}

/** Options of {@link readIdxLabels}. */
export interface ReadIdxLabelsOptions {
  /** When set, every label must be below it; a larger one fails with its byte offset and sample index. */
  numClasses?: number;
}

/** Reads an IDX label file (`*-labels-idx1-ubyte`, gzip or raw). Node only. */
export async function readIdxLabels(path: string, options: ReadIdxLabelsOptions = {}): Promise<Int32Array> {
  let arriving = new ArrivingArray((length) => new Int32Array(length), 0, 0);
  const limit = options.numClasses ?? 256;
  await decodeIdxFile(path, (found, reserveBytes) => {
    expectIdxLayout(found, path, 'uint8', 1, 'a label file');
    arriving = new ArrivingArray((length) => new Int32Array(length), found.dataBytes, reserveBytes);
    return (bytes, offset) => {
      const labels = arriving.reserve(offset + bytes.length);
      for (let i = 0; i < bytes.length; i++) {
        const label = bytes[i]!;
        if (label >= limit) {
          const sampleIndex = offset + i;
          throw new DataError(
            'LABEL_OUT_OF_RANGE',
            `${path}: label of sample ${sampleIndex} (byte offset ${found.headerBytes + sampleIndex}) is ${label}, outside [0, ${limit}). ` +
              `The file is corrupt or belongs to another data set.`,
            { file: path, offset: found.headerBytes + sampleIndex, sampleIndex },
          );
        }
        labels[offset + i] = label;
      }
    };
  });
  return arriving.value;
}

/** The IDX data sets {@link loadIdxDataset} knows. */
export type IdxDatasetKind = 'mnist' | 'fashion-mnist';

/** Class names of Fashion-MNIST, by label. */
export const FASHION_MNIST_CLASS_NAMES: readonly string[] = [
  'T-shirt/top',
  'Trouser',
  'Pullover',
  'Dress',
  'Coat',
  'Sandal',
  'Shirt',
  'Sneaker',
  'Bag',
  'Ankle boot',
];

/** Class names of MNIST digits, by label. */
export const MNIST_CLASS_NAMES: readonly string[] = ['0', '1', '2', '3', '4', '5', '6', '7', '8', '9'];

/** Where Debian's `dataset-fashion-mnist` package installs the four files. */
export const DEBIAN_FASHION_MNIST_DIRECTORY = '/usr/share/datasets/fashion-mnist';

/** Options of {@link loadIdxDataset}. */
export interface LoadIdxDatasetOptions {
  /** Which data set the folder holds: sets the name and class names. */
  kind: IdxDatasetKind;
}

async function findIdxFile(directory: string, prefix: 'train' | 't10k', content: 'images' | 'labels'): Promise<string> {
  const stem = `${prefix}-${content}`;
  const rank = content === 'images' ? 3 : 1;
  const names = [
    `${stem}-idx${rank}-ubyte.gz`,
    `${stem}-idx${rank}-ubyte`,
    `${stem}.idx${rank}-ubyte.gz`,
    `${stem}.idx${rank}-ubyte`,
  ];
  for (const name of names) {
    const candidate = `${directory.replace(/\/+$/, '')}/${name}`;
    if (await pathExists(candidate)) return candidate;
  }
  throw new DataError(
    'FILE_NOT_FOUND',
    `No ${prefix === 'train' ? 'training' : 'test'} ${content} file in '${directory}': looked for ${names.join(', ')}. ` +
      `Point loadIdxDataset at the folder holding the four IDX files (on Debian: apt-get install dataset-fashion-mnist, folder ${DEBIAN_FASHION_MNIST_DIRECTORY}).`,
    { file: directory },
  );
}

async function loadIdxSplit(
  directory: string,
  prefix: 'train' | 't10k',
  numClasses: number,
): Promise<{ split: ImageSplit; rows: number; cols: number }> {
  // One after the other: when both are missing, the error always names the images file first.
  const imagesPath = await findIdxFile(directory, prefix, 'images');
  const labelsPath = await findIdxFile(directory, prefix, 'labels');
  // Read together, but when both fail the images file's error is the one reported (Promise.all
  // would report whichever failed first, so the same broken folder gave either message).
  const [imagesRead, labelsRead] = await Promise.allSettled([
    readIdxImages(imagesPath),
    readIdxLabels(labelsPath, { numClasses }),
  ]);
  if (imagesRead.status === 'rejected') throw imagesRead.reason;
  if (labelsRead.status === 'rejected') throw labelsRead.reason;
  const [images, labels] = [imagesRead.value, labelsRead.value];
  if (images.count !== labels.length) {
    throw new DataError(
      'LENGTH_MISMATCH',
      `${imagesPath} holds ${images.count} images but ${labelsPath} holds ${labels.length} labels. The two files must come from the same release.`,
      { file: labelsPath },
    );
  }
  return {
    split: { features: images.images, images: images.images, labels, featureShape: [images.rows * images.cols] },
    rows: images.rows,
    cols: images.cols,
  };
}

/**
 * Loads MNIST or Fashion-MNIST from a folder holding the four IDX files (gzip or raw, named
 * `train-images-idx3-ubyte[.gz]`, `train-labels-idx1-ubyte[.gz]`, `t10k-images-idx3-ubyte[.gz]`,
 * `t10k-labels-idx1-ubyte[.gz]`). Images come flattened to [count, rows * cols], in [0, 1]. Node only.
 *
 * @example
 * const fashion = await loadIdxDataset('/usr/share/datasets/fashion-mnist', { kind: 'fashion-mnist' });
 * fashion.train.labels.length; // 60000
 */
export async function loadIdxDataset(directory: string, options: LoadIdxDatasetOptions): Promise<ImageDataset> {
  const kind = options?.kind;
  if (kind !== 'mnist' && kind !== 'fashion-mnist') {
    throw new DataError('INVALID_ARGUMENT', `kind must be 'mnist' or 'fashion-mnist', got ${JSON.stringify(kind)}.`, {
      key: 'kind',
    });
  }
  const classNames = [...(kind === 'mnist' ? MNIST_CLASS_NAMES : FASHION_MNIST_CLASS_NAMES)];
  const train = await loadIdxSplit(directory, 'train', classNames.length);
  const test = await loadIdxSplit(directory, 't10k', classNames.length);
  if (train.rows !== test.rows || train.cols !== test.cols) {
    throw new DataError(
      'FEATURE_SHAPE_MISMATCH',
      `In '${directory}' training images are ${train.rows}x${train.cols} but test images are ${test.rows}x${test.cols}; both must match.`,
      { file: directory },
    );
  }
  return {
    name: kind,
    train: train.split,
    test: test.split,
    numClasses: classNames.length,
    classNames,
    imageShape: [train.rows, train.cols],
  };
}
