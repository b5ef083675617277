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
import { TENSOR_GROUP, VersionFileWriter, type VersionFileAttributes } from './hdf5-file.js';
import { inChunks } from './metadata-queries.js';
import { stateFolder } from './names.js';
import { hashTensor, type StateDtype, type StateTypedArray } from './tensors.js';
import type { SavedVersion, SaveOptions, SavePhase, StateStoreOptions } from './types.js';

// A save writes its file again when a prune with no grace period swept it before the commit.
const saveAttempts = 3;

/** Rolls back a commit whose file a concurrent prune swept: the save writes it again. */
class SweptFileError extends Error {
  constructor() {
    super('the new file was removed by a concurrent prune');
  }
}

/** What a save needs from its StateStore. */
export interface SaveContext {
  db: Kysely<Database>;
  directory: string;
  storeName: string;
  onSavePhase: StateStoreOptions['onSavePhase'];
  writeTransaction<Result>(work: (trx: Transaction<Database>) => Promise<Result>): Promise<Result>;
}

/** A tensor to put in a version: its data and fingerprint, and its hash once known (computed during the save otherwise). */
export interface VersionTensor {
  name: string;
  dtype: StateDtype;
  shape: number[];
  data: StateTypedArray;
  fingerprint: string;
  hash?: string;
}

/**
 * One save, start to end: write the version file (every tensor; repeats inside it hard-linked),
 * publish it durably, commit the metadata under the store's lock. Never leaves a row without its file.
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
  hashRepeats(tensors);
  for (let attempt = 1; ; attempt++) {
    const fileName = `${stateId}/${uniqueFileName('.h5')}`;
    const finalFile = path.join(context.directory, fileName);
    const temporaryFile = path.join(folder, uniqueFileName('.h5', TEMPORARY_PREFIX));
    const report = async (phase: SavePhase) => context.onSavePhase?.(phase, { stateId, file: fileName });
    await report('prepared');
    ensureDurableFolder(folder);
    let written: Map<string, string>;
    try {
      written = await writeVersionFile(temporaryFile, tensors, { stateId, createdAt, ...options, values });
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
      version = await commitVersion(context, stateId, fileName, tensors, newBlobs, values, options, restoredFrom, createdAt);
    } catch (error) {
      if (error instanceof SweptFileError && attempt < saveAttempts) continue;
      if (error instanceof SweptFileError) {
        throw new StateError(
          'STORE_BUSY',
          `State '${stateId}' could not be saved: concurrent prunes with orphanGraceMs near 0 kept removing its new file; retry.`,
        );
      }
      // An error while confirming COMMIT can hide a success: look before deleting the file.
      const landed = await versionUsingFile(context, fileName);
      if (landed === 'unknown') throw error;
      if (landed === undefined) {
        removeFilesDurably([finalFile]);
        throw error;
      }
      version = landed;
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
 * Computes the full hash of every tensor whose fingerprint another tensor of this save shares, so
 * repeats inside the save become hard links. The others are hashed later, while their file is
 * being synced to disk.
 */
function hashRepeats(tensors: VersionTensor[]): void {
  const occurrences = new Map<string, number>();
  for (const tensor of tensors) {
    if (tensor.hash === undefined) occurrences.set(tensor.fingerprint, (occurrences.get(tensor.fingerprint) ?? 0) + 1);
  }
  for (const tensor of tensors) {
    if (tensor.hash === undefined && occurrences.get(tensor.fingerprint)! > 1)
      tensor.hash = hashTensor(tensor.dtype, tensor.shape, tensor.data);
  }
}

/**
 * Writes the version file: every tensor's bytes, with hard links for content repeated inside this
 * save. Nothing links into another version's file, so damage to one file never reaches another
 * version (content addressing then serves verification, not sharing across files). The
 * provably new tensors are hashed while the operating system syncs their bytes (the two take
 * about as long), then their hashes and the metadata are added and the file closed. Returns,
 * per hash written here, its dataset path.
 */
async function writeVersionFile(
  temporaryFile: string,
  tensors: VersionTensor[],
  attributes: VersionFileAttributes,
): Promise<Map<string, string>> {
  const writer = await VersionFileWriter.create(temporaryFile);
  const written = new Map<string, string>();
  let finished = false;
  try {
    const deferred: Array<{ tensor: VersionTensor; datasetPath: string }> = [];
    for (const tensor of tensors) {
      const here = tensor.hash === undefined ? undefined : written.get(tensor.hash);
      const entry = { dtype: tensor.dtype, shape: tensor.shape, sha256: tensor.hash ?? '' };
      if (here) writer.linkHere(tensor.name, here, entry);
      else {
        const datasetPath = writer.writeDataset(tensor.name, tensor.dtype, tensor.shape, tensor.data, tensor.hash);
        if (tensor.hash === undefined) deferred.push({ tensor, datasetPath });
        else written.set(tensor.hash, datasetPath);
      }
    }
    writer.flush();
    const syncing = fsyncFileInBackground(temporaryFile);
    try {
      for (const { tensor, datasetPath } of deferred) {
        tensor.hash = hashTensor(tensor.dtype, tensor.shape, tensor.data);
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

/** The metadata transaction of one save: lock, blobs, version row, tensors, tags. */
function commitVersion(
  context: SaveContext,
  stateId: string,
  fileName: string,
  tensors: VersionTensor[],
  newBlobs: VersionTensor[],
  values: Record<string, JsonValue>,
  options: Required<SaveOptions>,
  restoredFrom: number | null,
  createdAt: string,
): Promise<number> {
  return context.writeTransaction(async (trx) => {
    // Under the lock: a prune sweeping orphans (with a tiny grace period) may have taken our file.
    if (!existsSync(path.join(context.directory, fileName))) throw new SweptFileError();

    for (const chunk of inChunks(newBlobs, 200)) {
      await trx
        .insertInto('holomind_state_blobs')
        .values(
          chunk.map((tensor) => ({
            store_name: context.storeName,
            hash: tensor.hash!,
            fingerprint: tensor.fingerprint,
            file: fileName,
            dataset: `${TENSOR_GROUP}/${tensor.name}`,
            dtype: tensor.dtype,
            shape: toJsonColumn(tensor.shape),
            byte_length: byteLengthOf(tensor),
          })),
        )
        // Known content: the row points at the newest copy, which a prune removes last.
        .onConflict((conflict) =>
          conflict.columns(['store_name', 'hash']).doUpdateSet((update) => ({
            file: update.ref('excluded.file'),
            dataset: update.ref('excluded.dataset'),
          })),
        )
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
        self_contained: 1,
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
  return tensor.data.byteLength;
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
