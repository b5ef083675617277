import { existsSync } from 'node:fs';
import path from 'node:path';
import type { JsonValue } from '@holomind/db';
import { StateError } from './errors.js';
import { arrayTypeOf, type PreparedTensor, type StateDtype, type StateTypedArray } from './tensors.js';

type H5Module = typeof import('h5wasm/node');
type H5Api = H5Module['default'];

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

/** Group holding one dataset per named tensor. */
export const TENSOR_GROUP = 'tensors';
/** Root attribute naming the layout, so other tools can recognise the files. */
export const FORMAT_NAME = 'holomind-state/1';

/** Where an already stored tensor lives: a file relative to the store directory and a dataset path. */
export interface StoredLocation {
  file: string;
  dataset: string;
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
 * Writes one version's HDF5 file at `file` (a temporary path; the caller publishes it).
 * `/tensors/<name>` is a dataset (shape and dtype as given, `sha256` and `dtype` attributes) for
 * content not yet stored, a hard link for content repeated inside this save, and an external
 * link to the file that holds it otherwise, so every name resolves in HDF5 tools while no
 * content is written twice. Root attributes carry the metadata as JSON strings.
 * Returns, per hash written here, its dataset path.
 */
export async function writeVersionFile(
  file: string,
  fileRelativePath: string,
  tensors: PreparedTensor[],
  stored: ReadonlyMap<string, StoredLocation>,
  attributes: VersionFileAttributes,
): Promise<Map<string, string>> {
  const h5 = await loadHdf5();
  const written = new Map<string, string>();
  const handle = new h5.File(file, 'w');
  try {
    handle.create_attribute('format', FORMAT_NAME);
    handle.create_attribute('state_id', attributes.stateId);
    handle.create_attribute('created_at', attributes.createdAt);
    handle.create_attribute('description', attributes.description);
    handle.create_attribute('metrics', JSON.stringify(attributes.metrics));
    handle.create_attribute('values', JSON.stringify(attributes.values));
    handle.create_attribute('tags', JSON.stringify(attributes.tags));
    handle.create_group(TENSOR_GROUP);
    const groups = new Set<string>([TENSOR_GROUP]);
    for (const tensor of tensors) {
      const datasetPath = `${TENSOR_GROUP}/${tensor.name}`;
      // h5wasm does not create missing parents (it prints an HDF5 diagnostic instead).
      const segments = datasetPath.split('/');
      for (let depth = 2; depth < segments.length; depth++) {
        const group = segments.slice(0, depth).join('/');
        if (!groups.has(group)) {
          handle.create_group(group);
          groups.add(group);
        }
      }
      const here = written.get(tensor.hash);
      const elsewhere = stored.get(tensor.hash);
      if (here) {
        handle.create_hard_link(`/${here}`, datasetPath);
      } else if (elsewhere) {
        const target = path.posix.relative(path.posix.dirname(fileRelativePath), elsewhere.file);
        handle.create_external_link(target, `/${elsewhere.dataset}`, datasetPath);
      } else {
        const dataset = handle.create_dataset({ name: datasetPath, data: tensor.data, shape: tensor.shape });
        dataset.create_attribute('sha256', tensor.hash);
        dataset.create_attribute('dtype', tensor.dtype);
        written.set(tensor.hash, datasetPath);
      }
    }
  } finally {
    handle.close();
  }
  return written;
}

/** A dataset to read and what it must hold. */
export interface DatasetRequest {
  dataset: string;
  dtype: StateDtype;
  shape: number[];
}

/** Reads datasets from one file; throws CORRUPT_FILE if the file or a dataset is missing or different. */
export async function readDatasets(file: string, requests: DatasetRequest[]): Promise<StateTypedArray[]> {
  if (!existsSync(file)) {
    throw new StateError('CORRUPT_FILE', `State file ${file} is missing although the metadata points at it; the store directory was changed outside StateStore.`);
  }
  const h5 = await loadHdf5();
  const handle = new h5.File(file, 'r');
  try {
    return requests.map((request) => {
      const entity = handle.get(request.dataset);
      if (!entity || !(entity instanceof h5.Dataset)) {
        throw new StateError('CORRUPT_FILE', `State file ${file} has no dataset ${request.dataset}; the file was changed outside StateStore.`);
      }
      const shape = entity.shape ?? [];
      if (shape.length !== request.shape.length || shape.some((size, axis) => size !== request.shape[axis])) {
        throw new StateError('CORRUPT_FILE', `Dataset ${request.dataset} in ${file} has shape [${shape.join(', ')}], the metadata says [${request.shape.join(', ')}].`);
      }
      const value = entity.value;
      const ArrayType = arrayTypeOf(request.dtype);
      // Scalars come back as plain numbers.
      const data = typeof value === 'number' ? ArrayType.from([value]) : value;
      if (!(data instanceof ArrayType)) {
        throw new StateError('CORRUPT_FILE', `Dataset ${request.dataset} in ${file} holds ${String(entity.dtype)}, the metadata says ${request.dtype}.`);
      }
      return data;
    });
  } finally {
    handle.close();
  }
}
