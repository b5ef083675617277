import { existsSync, rmSync } from 'node:fs';
import path from 'node:path';
import { nowTimestamp, toJsonColumn, type Database, type JsonValue, type Kysely, type Transaction } from '@holomind/db';
import {
  ensureDurableFolder,
  fsyncFileInBackground,
  publishFile,
  removeFilesDurably,
  TEMPORARY_PREFIX,
  uniqueFileName,
} from './durable-files.js';
import { StateError } from './errors.js';
import { TENSOR_GROUP, VersionFileWriter, type StoredLocation, type VersionFileAttributes } from './hdf5-file.js';
import { findStoredBlobs, inChunks } from './metadata-queries.js';
import { stateFolder } from './names.js';
import { hashTensor, type StateDtype, type StateTypedArray } from './tensors.js';
import type { SavedVersion, SaveOptions, SavePhase, StateStoreOptions } from './types.js';

// A save retries when a prune removed content it meant to link to between its check and its commit.
const saveAttempts = 3;

/** What a save needs from its StateStore. */
export interface SaveContext {
  db: Kysely<Database>;
  directory: string;
  storeName: string;
  onSavePhase: StateStoreOptions['onSavePhase'];
  writeTransaction<Result>(work: (trx: Transaction<Database>) => Promise<Result>): Promise<Result>;
}

/**
 * A tensor to put in a version. A saved tensor has data and a fingerprint, and gets its hash
 * during the save; a rolled-back one has only its hash (its content is stored).
 */
export interface VersionTensor {
  name: string;
  dtype: StateDtype;
  shape: number[];
  data?: StateTypedArray;
  fingerprint?: string;
  hash?: string;
}

/** Rolls back a commit that a concurrent prune raced: the save writes its file again. */
class StaleBlobsError extends Error {
  constructor(readonly hashes: string[]) {
    super('content removed by a concurrent prune');
  }
}

/**
 * One save, start to end: decide which tensors are new (fingerprints, then hashes), write the
 * version file (links for stored content), publish it durably, commit the metadata under the
 * store's lock. Retries when a concurrent prune raced it; never leaves a row without its file.
 */
export async function saveVersion(
  context: SaveContext,
  stateId: string,
  tensors: VersionTensor[],
  values: Record<string, JsonValue>,
  options: Required<SaveOptions>,
  restoredFrom: number | null,
): Promise<SavedVersion> {
  const folder = stateFolder(context.directory, stateId);
  const createdAt = nowTimestamp();
  const mustWrite = new Set<string>();
  for (let attempt = 1; ; attempt++) {
    await hashPossibleDuplicates(context, tensors);
    const stored = await findStoredBlobs(
      context.db,
      context.storeName,
      tensors.flatMap((tensor) => (tensor.hash ? [tensor.hash] : [])),
    );
    for (const hash of mustWrite) stored.delete(hash);
    const missing = tensors.find((tensor) => !tensor.data && !stored.has(tensor.hash!));
    if (missing) {
      throw new StateError(
        'NOT_FOUND',
        `Tensor '${missing.name}' of state '${stateId}' is no longer stored (a concurrent prune removed it); nothing was saved.`,
      );
    }
    const fileName = `${stateId}/${uniqueFileName('.h5')}`;
    const finalFile = path.join(context.directory, fileName);
    const temporaryFile = path.join(folder, uniqueFileName('.h5', TEMPORARY_PREFIX));
    const report = async (phase: SavePhase) => context.onSavePhase?.(phase, { stateId, file: fileName });
    await report('prepared');
    ensureDurableFolder(folder);
    let written: Map<string, string>;
    try {
      written = await writeVersionFile(temporaryFile, fileName, tensors, stored, { stateId, createdAt, ...options, values });
      await report('file-written');
      publishFile(temporaryFile, finalFile);
    } catch (error) {
      rmSync(temporaryFile, { force: true });
      throw error;
    }
    await report('file-published');
    const newBlobs = tensors.filter((tensor) => written.get(tensor.hash!) === `${TENSOR_GROUP}/${tensor.name}`);
    let version: number;
    try {
      version = await commitVersion(
        context,
        stateId,
        fileName,
        tensors,
        newBlobs,
        stored,
        values,
        options,
        restoredFrom,
        createdAt,
      );
    } catch (error) {
      // An error while confirming COMMIT can hide a success: look before deleting the file.
      const landed = await versionUsingFile(context, fileName);
      if (landed === 'unknown') throw error;
      if (landed !== undefined) {
        version = landed;
      } else {
        removeFilesDurably([finalFile]);
        if (error instanceof StaleBlobsError && attempt < saveAttempts) {
          for (const hash of error.hashes) mustWrite.add(hash);
          continue;
        }
        if (error instanceof StaleBlobsError) {
          throw new StateError(
            'STORE_BUSY',
            `State '${stateId}' could not be saved: content it links to kept being pruned concurrently; retry.`,
          );
        }
        throw error;
      }
    }
    await report('committed');
    const writtenBytes = newBlobs.reduce((sum, tensor) => sum + byteLengthOf(tensor), 0);
    const totalBytes = tensors.reduce((sum, tensor) => sum + byteLengthOf(tensor), 0);
    return {
      stateId,
      version,
      createdAt: new Date(createdAt),
      file: fileName,
      tensorCount: tensors.length,
      writtenBytes,
      reusedBytes: totalBytes - writtenBytes,
    };
  }
}

/**
 * Computes the full hash of every tensor that might already be stored: its fingerprint matches
 * stored content or another tensor of this save. The others are provably new; they are hashed
 * later, while their file is being synced to disk.
 */
async function hashPossibleDuplicates(context: SaveContext, tensors: VersionTensor[]): Promise<void> {
  const unhashed = tensors.filter((tensor) => tensor.hash === undefined);
  const fingerprints = unhashed.map((tensor) => tensor.fingerprint!);
  const occurrences = new Map<string, number>();
  for (const fingerprint of fingerprints) occurrences.set(fingerprint, (occurrences.get(fingerprint) ?? 0) + 1);
  const stored = new Set<string>();
  for (const chunk of inChunks([...occurrences.keys()])) {
    const rows = await context.db
      .selectFrom('holomind_state_blobs')
      .select('fingerprint')
      .where('store_name', '=', context.storeName)
      .where('fingerprint', 'in', chunk)
      .execute();
    for (const row of rows) stored.add(row.fingerprint);
  }
  for (const tensor of unhashed) {
    if (stored.has(tensor.fingerprint!) || occurrences.get(tensor.fingerprint!)! > 1)
      tensor.hash = hashTensor(tensor.dtype, tensor.shape, tensor.data!);
  }
}

/**
 * Writes the version file: links for stored or repeated content, datasets for the rest. The
 * provably new tensors are hashed while the operating system syncs their bytes (the two take
 * about as long), then their hashes and the metadata are added and the file closed. Returns,
 * per hash written here, its dataset path.
 */
async function writeVersionFile(
  temporaryFile: string,
  fileName: string,
  tensors: VersionTensor[],
  stored: ReadonlyMap<string, StoredLocation>,
  attributes: VersionFileAttributes,
): Promise<Map<string, string>> {
  const writer = await VersionFileWriter.create(temporaryFile, fileName);
  const written = new Map<string, string>();
  let finished = false;
  try {
    const deferred: Array<{ tensor: VersionTensor; datasetPath: string }> = [];
    for (const tensor of tensors) {
      const here = tensor.hash === undefined ? undefined : written.get(tensor.hash);
      const elsewhere = tensor.hash === undefined ? undefined : stored.get(tensor.hash);
      const entry = { dtype: tensor.dtype, shape: tensor.shape, sha256: tensor.hash ?? '' };
      if (here) writer.linkHere(tensor.name, here, entry);
      else if (elsewhere) writer.linkElsewhere(tensor.name, elsewhere, entry);
      else {
        const datasetPath = writer.writeDataset(tensor.name, tensor.dtype, tensor.shape, tensor.data!, tensor.hash);
        if (tensor.hash === undefined) deferred.push({ tensor, datasetPath });
        else written.set(tensor.hash, datasetPath);
      }
    }
    writer.flush();
    const syncing = fsyncFileInBackground(temporaryFile);
    try {
      for (const { tensor, datasetPath } of deferred) {
        tensor.hash = hashTensor(tensor.dtype, tensor.shape, tensor.data!);
        written.set(tensor.hash, datasetPath);
      }
    } finally {
      await syncing;
    }
    for (const { tensor } of deferred) writer.setHash(tensor.name, tensor.hash!);
    finished = true;
    writer.finish(attributes);
  } finally {
    if (!finished) writer.abandon();
  }
  return written;
}

/** The metadata transaction of one save: lock, recheck linked content, blobs, version row, tensors, tags. */
function commitVersion(
  context: SaveContext,
  stateId: string,
  fileName: string,
  tensors: VersionTensor[],
  newBlobs: VersionTensor[],
  stored: Map<string, StoredLocation>,
  values: Record<string, JsonValue>,
  options: Required<SaveOptions>,
  restoredFrom: number | null,
  createdAt: string,
): Promise<number> {
  return context.writeTransaction(async (trx) => {
    // Under the lock: a prune sweeping orphans (with a tiny grace period) may have taken our file.
    if (!existsSync(path.join(context.directory, fileName))) throw new StaleBlobsError([]);
    const newHashes = new Set(newBlobs.map((tensor) => tensor.hash!));
    const linked = [...new Set(tensors.map((tensor) => tensor.hash!).filter((hash) => !newHashes.has(hash)))];
    const stillStored = await findStoredBlobs(trx, context.storeName, linked);
    const gone = linked.filter((hash) => stillStored.get(hash)?.file !== stored.get(hash)?.file);
    if (gone.length > 0) throw new StaleBlobsError(gone);

    for (const chunk of inChunks(newBlobs, 200)) {
      await trx
        .insertInto('holomind_state_blobs')
        .values(
          chunk.map((tensor) => ({
            store_name: context.storeName,
            hash: tensor.hash!,
            fingerprint: tensor.fingerprint!,
            file: fileName,
            dataset: `${TENSOR_GROUP}/${tensor.name}`,
            dtype: tensor.dtype,
            shape: toJsonColumn(tensor.shape),
            byte_length: byteLengthOf(tensor),
          })),
        )
        // Another save committed the same content first: keep its copy, ours stays unused in our file.
        .onConflict((conflict) => conflict.columns(['store_name', 'hash']).doNothing())
        .execute();
    }

    const latest = await trx
      .selectFrom('holomind_state_versions')
      .select((eb) => eb.fn.max('version').as('latest'))
      .where('store_name', '=', context.storeName)
      .where('state_id', '=', stateId)
      .executeTakeFirst();
    const version = Number(latest?.latest ?? 0) + 1;
    await trx
      .insertInto('holomind_state_versions')
      .values({
        store_name: context.storeName,
        state_id: stateId,
        version,
        file: fileName,
        created_at: createdAt,
        description: options.description,
        metrics: toJsonColumn(options.metrics),
        state_values: toJsonColumn(values),
        restored_from: restoredFrom,
        byte_length: tensors.reduce((sum, tensor) => sum + byteLengthOf(tensor), 0),
      })
      .execute();
    for (const chunk of inChunks(tensors, 200)) {
      await trx
        .insertInto('holomind_state_version_tensors')
        .values(
          chunk.map((tensor) => ({
            store_name: context.storeName,
            state_id: stateId,
            version,
            name: tensor.name,
            hash: tensor.hash!,
          })),
        )
        .execute();
    }
    await upsertTags(trx, context.storeName, stateId, version, options.tags);
    return version;
  });
}

/** The version whose row names `fileName`, undefined if none, 'unknown' if the database cannot say. */
async function versionUsingFile(context: SaveContext, fileName: string): Promise<number | undefined | 'unknown'> {
  try {
    const row = await context.db
      .selectFrom('holomind_state_versions')
      .select('version')
      .where('store_name', '=', context.storeName)
      .where('file', '=', fileName)
      .executeTakeFirst();
    return row?.version;
  } catch {
    // The caller rethrows the original failure; the file stays for prune's orphan sweep.
    return 'unknown';
  }
}

function byteLengthOf(tensor: VersionTensor): number {
  return tensor.data?.byteLength ?? tensor.shape.reduce((product, size) => product * size, 1) * bytesPerElement(tensor.dtype);
}

function bytesPerElement(dtype: string): number {
  return dtype === 'float64'
    ? 8
    : dtype === 'float32' || dtype === 'int32' || dtype === 'uint32'
      ? 4
      : dtype === 'int16' || dtype === 'uint16'
        ? 2
        : 1;
}

export async function upsertTags(
  trx: Transaction<Database>,
  storeName: string,
  stateId: string,
  version: number,
  tags: string[],
): Promise<void> {
  if (tags.length === 0) return;
  await trx
    .insertInto('holomind_state_tags')
    .values(
      [...new Set(tags)].map((tag) => ({ store_name: storeName, state_id: stateId, tag, version, created_at: nowTimestamp() })),
    )
    .onConflict((conflict) =>
      conflict
        .columns(['store_name', 'state_id', 'tag'])
        .doUpdateSet((update) => ({ version: update.ref('excluded.version'), created_at: update.ref('excluded.created_at') })),
    )
    .execute();
}
