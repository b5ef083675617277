import fs, { existsSync } from 'node:fs';
import type { JsonValue } from '@holomind/db';
import { StateError } from './errors.js';
import { arrayTypeOf, type StateDtype, type StateTypedArray } from './tensors.js';
import type h5wasmApi from 'h5wasm/node';

type H5Api = typeof h5wasmApi;

let h5Ready: Promise<H5Api> | undefined;

/** Loads h5wasm's Node build once (its wasm instantiation takes ~100 ms). */
export function loadHdf5(): Promise<H5Api> {
  h5Ready ??= import('h5wasm/node').then(async (module) => {
    const api = module.default;
    await api.ready;
    return api;
  });
  return h5Ready;
}

/**
 * Runs synchronous h5wasm calls with HDF5's diagnostics (~40 lines of error stack per failure, which
 * h5wasm's NODERAWFS build writes straight to file descriptor 2) kept off the terminal: they go to
 * stderr only under HOLOMIND_DEBUG, and a failure carries them as its `cause`. (h5wasm's throwing
 * error handler was not used: it throws through HDF5's API exit instead of returning through it.)
 */
function quietHdf5<T>(work: () => T): T {
  const diagnostics: string[] = [];
  const writeSync = fs.writeSync;
  fs.writeSync = ((fd: number, buffer: string | ArrayBufferView, ...rest: unknown[]) => {
    if (fd !== 2) return (writeSync as (...args: unknown[]) => number)(fd, buffer, ...rest);
    if (typeof buffer === 'string') {
      diagnostics.push(buffer);
      return Buffer.byteLength(buffer);
    }
    // Emscripten passes its whole heap with an offset and length: decode only that slice.
    const [offset = 0, length = buffer.byteLength - offset] = rest as [number | undefined, number | undefined];
    diagnostics.push(Buffer.from(buffer.buffer, buffer.byteOffset + offset, length).toString());
    return length;
  }) as typeof fs.writeSync;
  try {
    return work();
  } catch (error) {
    throw diagnostics.length > 0 ? new Error(diagnostics.join(''), { cause: error }) : error;
  } finally {
    fs.writeSync = writeSync;
    if (process.env.HOLOMIND_DEBUG && diagnostics.length > 0) process.stderr.write(diagnostics.join(''));
  }
}

/** Group holding one dataset per named tensor. */
export const TENSOR_GROUP = 'tensors';
/** Root attribute naming the layout, so other tools can recognise the files. */
export const FORMAT_NAME = 'holomind-state/1';

/** Where an already stored tensor lives: a file relative to the store directory and a dataset path. */
export interface StoredLocation {
  file: string;
  dataset: string;
}

/** One entry of the root `tensors` attribute: what a name holds and where its bytes are. */
export interface ManifestEntry {
  dtype: StateDtype;
  shape: number[];
  sha256: string;
  /** The dataset inside this file, or `<file relative to this one>//<dataset>` for an external link. */
  source: string;
}

/** What one version file contains, beyond its tensors. */
export interface VersionFileAttributes {
  stateId: string;
  createdAt: string;
  description: string;
  metrics: Record<string, number>;
  values: Record<string, JsonValue>;
  tags: string[];
}

/**
 * Writes one version's HDF5 file at a temporary path (the caller publishes it). `/tensors/<name>`
 * is a dataset (shape and HDF5 type as given; bool tensors, stored as uint8, carry a `dtype`
 * attribute), or a hard link for content repeated inside this save. The file holds every tensor
 * of its version, so it reads on its own whatever happens to other files. Root attributes carry the metadata as JSON strings, including a
 * `tensors` manifest (name to dtype, shape, sha256, source): one attribute rather than two per
 * dataset, which would cost ~0.5 ms each. Call `flush` after the datasets, then `finish`.
 */
export class VersionFileWriter {
  private readonly groups = new Set<string>([TENSOR_GROUP]);
  private readonly manifest: Record<string, ManifestEntry> = {};

  private constructor(private readonly handle: InstanceType<H5Api['File']>) {
    handle.create_group(TENSOR_GROUP);
  }

  /** Creates (truncates) `file`. */
  static async create(file: string): Promise<VersionFileWriter> {
    const h5 = await loadHdf5();
    return new VersionFileWriter(new h5.File(file, 'w'));
  }

  /** `tensors/<name>`, with missing parent groups created (h5wasm prints a diagnostic instead). */
  private pathFor(name: string): string {
    const datasetPath = `${TENSOR_GROUP}/${name}`;
    const segments = datasetPath.split('/');
    for (let depth = 2; depth < segments.length; depth++) {
      const group = segments.slice(0, depth).join('/');
      if (!this.groups.has(group)) {
        this.handle.create_group(group);
        this.groups.add(group);
      }
    }
    return datasetPath;
  }

  /** Writes a dataset; returns its path. Its hash may be given later through `setHash`. */
  writeDataset(name: string, dtype: StateDtype, shape: number[], data: StateTypedArray, hash = ''): string {
    const datasetPath = this.pathFor(name);
    const dataset = this.handle.create_dataset({ name: datasetPath, data, shape });
    if (dtype === 'bool') dataset.create_attribute('dtype', dtype);
    this.manifest[name] = { dtype, shape, sha256: hash, source: datasetPath };
    return datasetPath;
  }

  /** Records the content hash of a tensor written with `writeDataset`. */
  setHash(name: string, hash: string): void {
    this.manifest[name]!.sha256 = hash;
  }

  /** Names a dataset written earlier in this file under another name. */
  linkHere(name: string, datasetPath: string, entry: Omit<ManifestEntry, 'source'>): void {
    this.handle.create_hard_link(`/${datasetPath}`, this.pathFor(name));
    this.manifest[name] = { ...entry, source: datasetPath };
  }

  /** Pushes everything written so far to the operating system, so an fsync can run meanwhile. */
  flush(): void {
    this.handle.flush();
  }

  /** Writes the root attributes and closes the file. */
  finish(attributes: VersionFileAttributes): void {
    try {
      this.handle.create_attribute('format', FORMAT_NAME);
      this.handle.create_attribute('state_id', attributes.stateId);
      this.handle.create_attribute('created_at', attributes.createdAt);
      this.handle.create_attribute('description', attributes.description);
      this.handle.create_attribute('metrics', JSON.stringify(attributes.metrics));
      this.handle.create_attribute('values', JSON.stringify(attributes.values));
      this.handle.create_attribute('tags', JSON.stringify(attributes.tags));
      this.handle.create_attribute('tensors', JSON.stringify(this.manifest));
    } finally {
      this.handle.close();
    }
  }

  /** Closes without finishing, after a failure. */
  abandon(): void {
    this.handle.close();
  }
}

/** A dataset to read and what it must hold. */
export interface DatasetRequest {
  dataset: string;
  dtype: StateDtype;
  shape: number[];
}

const integerClass = 0;
const floatClass = 1;

/** The HDF5 type class, element size and signedness a dtype is stored with (bool as uint8). */
function storedType(dtype: StateDtype): { typeClass: number; size: number; signed: boolean } {
  return {
    typeClass: dtype.startsWith('float') ? floatClass : integerClass,
    size: arrayTypeOf(dtype).BYTES_PER_ELEMENT,
    signed: !dtype.startsWith('uint') && dtype !== 'bool',
  };
}

/**
 * Reads datasets from one file, checking each one's shape and stored type against the metadata
 * (CORRUPT_FILE otherwise). Uses h5wasm's module functions directly: one metadata call and one
 * read per dataset, straight into the wasm heap, then one copy out.
 */
export async function readDatasets(file: string, requests: DatasetRequest[]): Promise<StateTypedArray[]> {
  if (!existsSync(file)) {
    throw new StateError(
      'CORRUPT_FILE',
      `State file ${file} is missing although the metadata points at it; the store directory was changed outside StateStore.`,
    );
  }
  const h5 = await loadHdf5();
  const module = await h5.ready;
  let handle: InstanceType<H5Api['File']>;
  try {
    handle = quietHdf5(() => {
      const opened = new h5.File(file, 'r');
      // A file HDF5 cannot open still yields a handle, with a negative id.
      if (!(opened.file_id > 0n)) throw new Error(`H5Fopen returned ${opened.file_id}`);
      return opened;
    });
  } catch (error) {
    throw new StateError(
      'CORRUPT_FILE',
      `State file ${file} is not a readable HDF5 file; it was truncated or changed outside StateStore.`,
      {
        cause: error,
      },
    );
  }
  try {
    return requests.map((request) => {
      let metadata: ReturnType<typeof module.get_dataset_metadata>;
      try {
        metadata = quietHdf5(() => module.get_dataset_metadata(handle.file_id, `/${request.dataset}`));
      } catch (error) {
        throw new StateError(
          'CORRUPT_FILE',
          `State file ${file} has no readable dataset ${request.dataset}; the file was changed outside StateStore.`,
          { cause: error },
        );
      }
      const shape = metadata.shape ?? [];
      const expected = storedType(request.dtype);
      if (shape.length !== request.shape.length || shape.some((size, axis) => size !== request.shape[axis])) {
        throw new StateError(
          'CORRUPT_FILE',
          `Dataset ${request.dataset} in ${file} has shape [${shape.join(', ')}], the metadata says [${request.shape.join(', ')}].`,
        );
      }
      if (
        metadata.type !== expected.typeClass ||
        metadata.size !== expected.size ||
        (expected.typeClass === integerClass && metadata.signed !== expected.signed) ||
        !metadata.littleEndian
      ) {
        throw new StateError(
          'CORRUPT_FILE',
          `Dataset ${request.dataset} in ${file} has HDF5 type class ${metadata.type} of ${metadata.size} bytes, the metadata says ${request.dtype}.`,
        );
      }
      const byteLength = metadata.total_size * metadata.size;
      const ArrayType = arrayTypeOf(request.dtype);
      if (byteLength === 0) return new ArrayType(0);
      const pointer = module._malloc(byteLength);
      if (pointer === 0)
        throw new StateError(
          'CORRUPT_FILE',
          `Reading ${request.dataset} from ${file} needs ${byteLength} bytes the wasm heap cannot provide.`,
        );
      try {
        try {
          quietHdf5(() => {
            const status = module.get_dataset_data(handle.file_id, `/${request.dataset}`, null, null, null, BigInt(pointer));
            if (status < 0) throw new Error(`H5Dread returned ${status}`);
          });
        } catch (error) {
          throw new StateError(
            'CORRUPT_FILE',
            `Dataset ${request.dataset} in ${file} cannot be read; the file was changed outside StateStore.`,
            {
              cause: error,
            },
          );
        }
        const bytes = module.HEAPU8.slice(pointer, pointer + byteLength);
        return new (ArrayType as unknown as new (buffer: ArrayBuffer) => StateTypedArray)(bytes.buffer);
      } finally {
        module._free(pointer);
      }
    });
  } finally {
    quietHdf5(() => handle.close());
  }
}
