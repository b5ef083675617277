import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import {
  isLockContentionError,
  migrateToLatest,
  nowTimestamp,
  toJsonColumn,
  type Database,
  type JsonValue,
  type Kysely,
  type Transaction,
} from '@holomind/db';
import { diffStates } from './diff.js';
import { ensureDurableFolder, fsyncFileInBackground, publishFile, removeFilesDurably, TEMPORARY_PREFIX, uniqueFileName } from './durable-files.js';
import { StateError, describeValue } from './errors.js';
import { readDatasets, TENSOR_GROUP, VersionFileWriter, type DatasetRequest, type StoredLocation, type VersionFileAttributes } from './hdf5-file.js';
import { ByteLruCache } from './lru-cache.js';
import { findStoredBlobs, inChunks, resolveVersion, versionInfos, versionMetadata, type LocatedTensor } from './metadata-queries.js';
import { checkStateId, checkTag, checkVersion, stateFolder } from './names.js';
import { pruneStore } from './prune.js';
import { hashTensor, prepareState, type LoadedTensor, type StateDtype, type StateInput, type StateTypedArray } from './tensors.js';
import type {
  LoadedState,
  LoadOptions,
  PruneReport,
  SavePhase,
  RetentionPolicy,
  SavedVersion,
  SaveOptions,
  StateDiff,
  StateReference,
  StateStoreOptions,
  StateSummary,
  VersionInfo,
  VersionMetadata,
  VersionSelector,
} from './types.js';

const defaultCacheBytes = 256 * 1024 * 1024;
const markerFileName = 'holomind-state-store.json';
// A save retries when a prune removed content it meant to link to between its check and its commit.
const saveAttempts = 3;

/**
 * A tensor to put in a version. A saved tensor has data and a fingerprint, and gets its hash
 * during the save; a rolled-back one has only its hash (its content is stored).
 */
interface VersionTensor {
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
 * Versioned, crash-safe storage of model state: tensors in HDF5 files (one per version, content
 * addressed so unchanged tensors are linked, not rewritten), metadata in SQL through a Kysely
 * instance from `@holomind/db`, an LRU cache bounded by bytes in front.
 *
 * A save writes a temporary file, fsyncs it, renames it, fsyncs the folder and only then commits
 * the metadata in one transaction; a crash at any moment leaves every committed version loadable
 * and no row pointing at a missing file. Concurrent writers (processes or calls) serialise on one
 * lock row; SQLite waits up to its busy timeout and then fails with `STORE_BUSY`.
 *
 * @example
 * const db = await createDatabase('sqlite:./holomind.db');
 * const store = new StateStore({ directory: './states', db, cacheBytes: 512 * 2 ** 20 });
 * const { version } = await store.save('mnist-ewc', { 'dense/kernel': kernel, task: 3 }, { metrics: { accuracy: 0.97 }, tags: ['task-3'] });
 * const { tensors, values } = await store.load('mnist-ewc', { version });
 */
export class StateStore {
  readonly directory: string;
  readonly storeName: string;
  private readonly db: Kysely<Database>;
  private readonly cache: ByteLruCache<StateTypedArray>;
  private readonly options: StateStoreOptions;
  private ready: Promise<void> | undefined;

  constructor(options: StateStoreOptions) {
    if (typeof options?.directory !== 'string' || options.directory.length === 0 || options.directory.includes('\0')) {
      throw new StateError('INVALID_ARGUMENT', `StateStore needs a directory path, got ${describeValue(options?.directory)}.`);
    }
    if (typeof options.db?.transaction !== 'function') {
      throw new StateError('INVALID_ARGUMENT', `StateStore needs a Kysely instance as db (createDatabase from @holomind/db), got ${describeValue(options.db)}.`);
    }
    const cacheBytes = options.cacheBytes ?? defaultCacheBytes;
    if (!Number.isFinite(cacheBytes) || cacheBytes < 0) {
      throw new StateError('INVALID_ARGUMENT', `cacheBytes must be a number of bytes >= 0, got ${describeValue(cacheBytes)}.`);
    }
    this.options = options;
    this.directory = path.resolve(options.directory);
    this.storeName = options.storeName ?? 'default';
    if (this.storeName.length === 0 || this.storeName.length > 200) {
      throw new StateError('INVALID_ARGUMENT', `storeName must have 1-200 characters, got ${describeValue(this.storeName)}.`);
    }
    this.db = options.db;
    this.cache = new ByteLruCache(cacheBytes);
  }

  /** Bytes currently held by the tensor cache. */
  get cachedBytes(): number {
    return this.cache.size;
  }

  /**
   * Saves a new version of `stateId`: tfjs tensors and `{ data, shape }` arrays become HDF5
   * datasets, other entries are stored as JSON values. Returns once the version is durable.
   */
  async save(stateId: string, state: StateInput, options: SaveOptions = {}): Promise<SavedVersion> {
    checkStateId(stateId);
    const checked = checkSaveOptions(options);
    const { tensors, values } = await prepareState(state);
    return this.writeVersion(stateId, tensors, values, checked, null);
  }

  /** Loads a version (latest by default) with its tensors, values and metadata. */
  async load(stateId: string, options: LoadOptions = {}): Promise<LoadedState> {
    await this.prepare();
    checkStateId(stateId);
    const version = await resolveVersion(this.db, this.storeName, stateId, options);
    const { located, ...metadata } = await versionMetadata(this.db, this.storeName, stateId, version);
    const data = await this.readTensors(located, options.verify ?? false);
    const tensors: Record<string, LoadedTensor> = {};
    located.forEach((tensor, index) => {
      tensors[tensor.name] = { data: data[index]!, shape: [...tensor.shape], dtype: tensor.dtype };
    });
    return { stateId, version, tensors, values: metadata.values, metadata };
  }

  /** Every state of the store with its latest version, ordered by id. */
  async list(): Promise<StateSummary[]> {
    await this.prepare();
    const rows = await this.db
      .selectFrom('holomind_state_versions')
      .select((eb) => ['state_id', eb.fn.max('version').as('latest'), eb.fn.countAll().as('count'), eb.fn.max('created_at').as('updated')])
      .where('store_name', '=', this.storeName)
      .groupBy('state_id')
      .orderBy('state_id')
      .execute();
    return rows.map((row) => ({
      stateId: row.state_id,
      latestVersion: Number(row.latest),
      versionCount: Number(row.count),
      updatedAt: new Date(String(row.updated)),
    }));
  }

  /** Every version of a state, oldest first. */
  async history(stateId: string): Promise<VersionInfo[]> {
    await this.prepare();
    return versionInfos(this.db, this.storeName, checkStateId(stateId));
  }

  /** Metadata of one version (latest by default): tensors' names, shapes, dtypes and hashes, values, metrics, tags. */
  async metadata(stateId: string, selector: VersionSelector = {}): Promise<VersionMetadata> {
    await this.prepare();
    checkStateId(stateId);
    const version = await resolveVersion(this.db, this.storeName, stateId, selector);
    const { located: _located, ...metadata } = await versionMetadata(this.db, this.storeName, stateId, version);
    return metadata;
  }

  /** Points `tag` at a version of a state; a tag already on another version moves. */
  async tag(stateId: string, version: number, tag: string): Promise<void> {
    await this.prepare();
    checkStateId(stateId);
    checkVersion(version);
    checkTag(tag);
    await this.writeTransaction(async (trx) => {
      await versionMetadata(trx, this.storeName, stateId, version);
      await upsertTags(trx, this.storeName, stateId, version, [tag]);
    });
  }

  /** Removes a tag from a state; throws NOT_FOUND if the state has no such tag. */
  async untag(stateId: string, tag: string): Promise<void> {
    await this.prepare();
    checkStateId(stateId);
    checkTag(tag);
    const removed = await this.writeTransaction((trx) =>
      trx.deleteFrom('holomind_state_tags').where('store_name', '=', this.storeName).where('state_id', '=', stateId).where('tag', '=', tag).executeTakeFirst(),
    );
    if (Number(removed.numDeletedRows) === 0) throw new StateError('NOT_FOUND', `State '${stateId}' has no tag '${tag}'.`);
  }

  /**
   * Makes `version` current again by saving a new version with exactly its tensors and values
   * (history stays append-only; no tensor is rewritten). Returns the new version.
   */
  async rollback(stateId: string, version: number, options: SaveOptions = {}): Promise<SavedVersion> {
    await this.prepare();
    checkStateId(stateId);
    checkVersion(version);
    const source = await versionMetadata(this.db, this.storeName, stateId, version);
    const checked = checkSaveOptions({ description: options.description ?? `rollback to version ${version}`, metrics: options.metrics ?? source.metrics, tags: options.tags ?? [] });
    const tensors: VersionTensor[] = source.located.map(({ name, hash, dtype, shape }) => ({ name, hash, dtype, shape }));
    return this.writeVersion(stateId, tensors, source.values, checked, version);
  }

  /**
   * How each tensor changed from `a` to `b` (any two versions, of one state or two): the L2 and
   * max-abs norms of the difference, computed in float64. Identical content is recognised by hash
   * without reading it.
   */
  async diff(a: StateReference, b: StateReference): Promise<StateDiff> {
    await this.prepare();
    const resolve = async (reference: StateReference) => {
      const stateId = checkStateId(reference?.stateId);
      const version = await resolveVersion(this.db, this.storeName, stateId, reference);
      return versionMetadata(this.db, this.storeName, stateId, version);
    };
    const [from, to] = await Promise.all([resolve(a), resolve(b)]);
    return diffStates(from, to, async (tensor) => (await this.readTensors([tensor], false))[0]!);
  }

  /**
   * Removes versions by a retention policy (never a state's latest; tagged ones only when
   * `keepTagged: false`), the content no remaining version uses, and files left behind by
   * crashes. Metadata goes first, in one transaction; files are deleted after it commits.
   */
  async prune(policy: RetentionPolicy = {}): Promise<PruneReport> {
    await this.prepare();
    if (policy.stateId !== undefined) checkStateId(policy.stateId);
    const report = await pruneStore(
      { directory: this.directory, storeName: this.storeName, writeTransaction: (work) => this.writeTransaction(work) },
      policy,
    );
    return report;
  }

  // ---- internals ----

  /** Runs `start` once; a failed start (database down, say) is retried by the next call instead of sticking. */
  private prepare(): Promise<void> {
    this.ready ??= this.start().catch((error: unknown) => {
      this.ready = undefined;
      throw isLockContentionError(error) ? busyError(this.storeName, error) : error;
    });
    return this.ready;
  }

  /** Migrates (with retries when another process migrates at the same moment), registers the store, claims the directory. */
  private async start(): Promise<void> {
    if (this.options.migrate ?? true) {
      for (let attempt = 1; ; attempt++) {
        try {
          await migrateToLatest(this.db);
          break;
        } catch (error) {
          if (!isLockContentionError((error as { cause?: unknown }).cause ?? error) || attempt >= 5) throw error;
          await new Promise((resolve) => setTimeout(resolve, 50 * attempt));
        }
      }
    }
    await this.db
      .insertInto('holomind_state_stores')
      .values({ name: this.storeName, created_at: nowTimestamp(), commits: 0 })
      .onConflict((conflict) => conflict.column('name').doNothing())
      .execute();
    this.claimDirectory();
  }

  /** Marks the directory as this store's, so two stores never sweep each other's files. */
  private claimDirectory(): void {
    ensureDurableFolder(this.directory);
    const marker = path.join(this.directory, markerFileName);
    if (existsSync(marker)) {
      const claimed = (JSON.parse(readFileSync(marker, 'utf8')) as { storeName?: string }).storeName;
      if (claimed !== this.storeName) {
        throw new StateError(
          'STORE_MISMATCH',
          `Directory ${this.directory} belongs to state store '${claimed}', not '${this.storeName}'; give each store its own directory.`,
        );
      }
      return;
    }
    const temporary = path.join(this.directory, uniqueFileName('.json', TEMPORARY_PREFIX));
    writeFileSync(temporary, JSON.stringify({ format: 'holomind-state-store/1', storeName: this.storeName }) + '\n');
    publishFile(temporary, marker);
  }

  /** Runs `work` in a transaction that first takes the store's lock row, mapping lock timeouts to STORE_BUSY. */
  private async writeTransaction<Result>(work: (trx: Transaction<Database>) => Promise<Result>): Promise<Result> {
    try {
      return await this.db.transaction().execute(async (trx) => {
        // Writing first makes SQLite take its write lock now (waiting up to busy_timeout) rather
        // than failing on upgrade later; on PostgreSQL the row lock orders concurrent commits.
        await trx
          .updateTable('holomind_state_stores')
          .set((eb) => ({ commits: eb('commits', '+', 1) }))
          .where('name', '=', this.storeName)
          .execute();
        return work(trx);
      });
    } catch (error) {
      throw isLockContentionError(error) ? busyError(this.storeName, error) : error;
    }
  }

  private async writeVersion(
    stateId: string,
    tensors: VersionTensor[],
    values: Record<string, JsonValue>,
    options: Required<SaveOptions>,
    restoredFrom: number | null,
  ): Promise<SavedVersion> {
    await this.prepare();
    const folder = stateFolder(this.directory, stateId);
    const createdAt = nowTimestamp();
    const mustWrite = new Set<string>();
    for (let attempt = 1; ; attempt++) {
      await this.hashPossibleDuplicates(tensors);
      const stored = await findStoredBlobs(this.db, this.storeName, tensors.flatMap((tensor) => (tensor.hash ? [tensor.hash] : [])));
      for (const hash of mustWrite) stored.delete(hash);
      const missing = tensors.find((tensor) => !tensor.data && !stored.has(tensor.hash!));
      if (missing) {
        throw new StateError('NOT_FOUND', `Tensor '${missing.name}' of state '${stateId}' is no longer stored (a concurrent prune removed it); nothing was saved.`);
      }
      const fileName = `${stateId}/${uniqueFileName('.h5')}`;
      const finalFile = path.join(this.directory, fileName);
      const temporaryFile = path.join(folder, uniqueFileName('.h5', TEMPORARY_PREFIX));
      const report = async (phase: SavePhase) => this.options.onSavePhase?.(phase, { stateId, file: fileName });
      await report('prepared');
      ensureDurableFolder(folder);
      let written: Map<string, string>;
      try {
        written = await this.writeFile(temporaryFile, fileName, tensors, stored, { stateId, createdAt, ...options, values });
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
        version = await this.commitVersion(stateId, fileName, tensors, newBlobs, stored, values, options, restoredFrom, createdAt);
      } catch (error) {
        // An error while confirming COMMIT can hide a success: look before deleting the file.
        const landed = await this.versionUsingFile(fileName);
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
            throw new StateError('STORE_BUSY', `State '${stateId}' could not be saved: content it links to kept being pruned concurrently; retry.`);
          }
          throw error;
        }
      }
      await report('committed');
      const writtenBytes = newBlobs.reduce((sum, tensor) => sum + byteLengthOf(tensor), 0);
      const totalBytes = tensors.reduce((sum, tensor) => sum + byteLengthOf(tensor), 0);
      return { stateId, version, createdAt: new Date(createdAt), file: fileName, tensorCount: tensors.length, writtenBytes, reusedBytes: totalBytes - writtenBytes };
    }
  }

  /**
   * Computes the full hash of every tensor that might already be stored: its fingerprint matches
   * stored content or another tensor of this save. The others are provably new; they are hashed
   * later, while their file is being synced to disk.
   */
  private async hashPossibleDuplicates(tensors: VersionTensor[]): Promise<void> {
    const unhashed = tensors.filter((tensor) => tensor.hash === undefined);
    const fingerprints = unhashed.map((tensor) => tensor.fingerprint!);
    const occurrences = new Map<string, number>();
    for (const fingerprint of fingerprints) occurrences.set(fingerprint, (occurrences.get(fingerprint) ?? 0) + 1);
    const stored = new Set<string>();
    for (const chunk of inChunks([...occurrences.keys()])) {
      const rows = await this.db.selectFrom('holomind_state_blobs').select('fingerprint').where('store_name', '=', this.storeName).where('fingerprint', 'in', chunk).execute();
      for (const row of rows) stored.add(row.fingerprint);
    }
    for (const tensor of unhashed) {
      if (stored.has(tensor.fingerprint!) || occurrences.get(tensor.fingerprint!)! > 1) tensor.hash = hashTensor(tensor.dtype, tensor.shape, tensor.data!);
    }
  }

  /**
   * Writes the version file: links for stored or repeated content, datasets for the rest. The
   * provably new tensors are hashed while the operating system syncs their bytes (the two take
   * about as long), then their hashes and the metadata are added and the file closed. Returns,
   * per hash written here, its dataset path.
   */
  private async writeFile(
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
  private commitVersion(
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
    return this.writeTransaction(async (trx) => {
      // Under the lock: a prune sweeping orphans (with a tiny grace period) may have taken our file.
      if (!existsSync(path.join(this.directory, fileName))) throw new StaleBlobsError([]);
      const newHashes = new Set(newBlobs.map((tensor) => tensor.hash!));
      const linked = [...new Set(tensors.map((tensor) => tensor.hash!).filter((hash) => !newHashes.has(hash)))];
      const stillStored = await findStoredBlobs(trx, this.storeName, linked);
      const gone = linked.filter((hash) => stillStored.get(hash)?.file !== stored.get(hash)?.file);
      if (gone.length > 0) throw new StaleBlobsError(gone);

      for (const chunk of inChunks(newBlobs, 200)) {
        await trx
          .insertInto('holomind_state_blobs')
          .values(
            chunk.map((tensor) => ({
              store_name: this.storeName,
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
        .where('store_name', '=', this.storeName)
        .where('state_id', '=', stateId)
        .executeTakeFirst();
      const version = Number(latest?.latest ?? 0) + 1;
      await trx
        .insertInto('holomind_state_versions')
        .values({
          store_name: this.storeName,
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
          .values(chunk.map((tensor) => ({ store_name: this.storeName, state_id: stateId, version, name: tensor.name, hash: tensor.hash! })))
          .execute();
      }
      await upsertTags(trx, this.storeName, stateId, version, options.tags);
      return version;
    });
  }

  /** The version whose row names `fileName`, undefined if none, 'unknown' if the database cannot say. */
  private async versionUsingFile(fileName: string): Promise<number | undefined | 'unknown'> {
    try {
      const row = await this.db
        .selectFrom('holomind_state_versions')
        .select('version')
        .where('store_name', '=', this.storeName)
        .where('file', '=', fileName)
        .executeTakeFirst();
      return row?.version;
    } catch {
      // The caller rethrows the original failure; the file stays for prune's orphan sweep.
      return 'unknown';
    }
  }

  /** Tensor data for located tensors: from the cache, else from their files (one open per file). */
  private async readTensors(located: LocatedTensor[], verify: boolean): Promise<StateTypedArray[]> {
    const result: StateTypedArray[] = new Array(located.length);
    const byFile = new Map<string, Array<{ index: number; request: DatasetRequest }>>();
    located.forEach((tensor, index) => {
      const cached = this.cache.get(tensor.hash);
      if (cached) {
        result[index] = cached.slice();
        return;
      }
      const list = byFile.get(tensor.file) ?? [];
      list.push({ index, request: { dataset: tensor.dataset, dtype: tensor.dtype, shape: tensor.shape } });
      byFile.set(tensor.file, list);
    });
    for (const [file, requests] of byFile) {
      const arrays = await readDatasets(path.join(this.directory, file), requests.map((entry) => entry.request));
      requests.forEach(({ index }, position) => {
        const data = arrays[position]!;
        const tensor = located[index]!;
        // The cache keeps its own copy: callers own (and may change) what load returns.
        if (this.cache.capacityBytes >= data.byteLength && data.byteLength > 0) this.cache.set(tensor.hash, data.slice(), data.byteLength);
        result[index] = data;
      });
    }
    if (verify) {
      located.forEach((tensor, index) => {
        const actual = hashTensor(tensor.dtype, tensor.shape, result[index]!);
        if (actual !== tensor.hash) {
          throw new StateError('CORRUPT_FILE', `Tensor '${tensor.name}' read from ${tensor.file} hashes to ${actual}, the metadata says ${tensor.hash}; the file was changed outside StateStore.`);
        }
      });
    }
    return result;
  }
}

function busyError(storeName: string, cause: unknown): StateError {
  return new StateError(
    'STORE_BUSY',
    `State store '${storeName}' is busy: another process held its database lock longer than the busy timeout. ` +
      `Nothing was committed; retry, or raise busyTimeoutMs in createDatabase().`,
    { cause },
  );
}

function byteLengthOf(tensor: VersionTensor): number {
  return tensor.data?.byteLength ?? tensor.shape.reduce((product, size) => product * size, 1) * bytesPerElement(tensor.dtype);
}

function bytesPerElement(dtype: string): number {
  return dtype === 'float64' ? 8 : dtype === 'float32' || dtype === 'int32' || dtype === 'uint32' ? 4 : dtype === 'int16' || dtype === 'uint16' ? 2 : 1;
}

async function upsertTags(trx: Transaction<Database>, storeName: string, stateId: string, version: number, tags: string[]): Promise<void> {
  if (tags.length === 0) return;
  await trx
    .insertInto('holomind_state_tags')
    .values([...new Set(tags)].map((tag) => ({ store_name: storeName, state_id: stateId, tag, version, created_at: nowTimestamp() })))
    .onConflict((conflict) =>
      conflict.columns(['store_name', 'state_id', 'tag']).doUpdateSet((update) => ({ version: update.ref('excluded.version'), created_at: update.ref('excluded.created_at') })),
    )
    .execute();
}

function checkSaveOptions(options: SaveOptions): Required<SaveOptions> {
  const description = options.description ?? '';
  if (typeof description !== 'string') throw new StateError('INVALID_ARGUMENT', `description must be a string, got ${describeValue(description)}.`);
  const metrics = options.metrics ?? {};
  if (typeof metrics !== 'object' || metrics === null || Array.isArray(metrics)) {
    throw new StateError('INVALID_ARGUMENT', `metrics must be an object of name to number, got ${describeValue(metrics)}.`);
  }
  for (const [name, value] of Object.entries(metrics)) {
    if (typeof value !== 'number' || !Number.isFinite(value)) {
      throw new StateError('INVALID_ARGUMENT', `Metric '${name}' is ${describeValue(value)}; metrics must be finite numbers.`);
    }
  }
  const tags = options.tags ?? [];
  if (!Array.isArray(tags)) throw new StateError('INVALID_ARGUMENT', `tags must be an array of strings, got ${describeValue(tags)}.`);
  tags.forEach(checkTag);
  return { description, metrics, tags };
}
