import { randomUUID } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describeValue } from '@holomind/core';
import { isLockContentionError, migrateToLatest, nowTimestamp, type Database, type Kysely, type Transaction } from '@holomind/db';
import { LRUCache } from 'lru-cache';
import { diffStates } from './diff.js';
import { ensureDurableFolder, publishFile, TEMPORARY_PREFIX, uniqueFileName } from './durable-files.js';
import { StateError } from './errors.js';
import { readDatasets, type DatasetRequest } from './hdf5-file.js';
import { resolveVersion, versionInfos, versionMetadata, type LocatedTensor } from './metadata-queries.js';
import { checkStateId, checkTag, checkVersion } from './names.js';
import { pruneStore } from './prune.js';
import { saveVersion, upsertTags, type SaveContext, type VersionTensor } from './save-version.js';
import { stateMigrations } from './migrations.js';
import {
  fingerprintTensor,
  hashTensor,
  prepareState,
  type LoadedTensor,
  type StateInput,
  type StateTypedArray,
} from './tensors.js';
import type {
  LoadedState,
  LoadOptions,
  PruneReport,
  VersionRetentionPolicy,
  SavedVersion,
  SaveOptions,
  StateDiff,
  StateReference,
  StateStoreOptions,
  StateSummary,
  VersionInfo,
  VersionMetadata,
  VersionSelector,
  VerifyReport,
} from './types.js';

const defaultCacheBytes = 256 * 1024 * 1024;
const markerFileName = 'holomind-state-store.json';

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
  /** Loaded tensors by content hash, bounded by their bytes; undefined when `cacheBytes` is 0. */
  private readonly cache: LRUCache<string, { data: StateTypedArray; verified: boolean }> | undefined;
  private readonly options: StateStoreOptions;
  private ready: Promise<void> | undefined;

  constructor(options: StateStoreOptions) {
    if (typeof options?.directory !== 'string' || options.directory.length === 0 || options.directory.includes('\0')) {
      throw new StateError('INVALID_ARGUMENT', `StateStore needs a directory path, got ${describeValue(options?.directory)}.`);
    }
    if (typeof options.db?.transaction !== 'function') {
      throw new StateError(
        'INVALID_ARGUMENT',
        `StateStore needs a Kysely instance as db (createDatabase from @holomind/db), got ${describeValue(options.db)}.`,
      );
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
    // lru-cache wants a positive integer budget; 0 turns the cache off.
    const maxSize = Math.floor(cacheBytes);
    this.cache = maxSize > 0 ? new LRUCache({ maxSize, sizeCalculation: (entry) => entry.data.byteLength }) : undefined;
  }

  /** Bytes currently held by the tensor cache. */
  get cachedBytes(): number {
    return this.cache?.calculatedSize ?? 0;
  }

  /**
   * Saves a new version of `stateId`: tfjs tensors and `{ data, shape }` arrays become HDF5
   * datasets, other entries are stored as JSON values. Returns once the version is durable.
   */
  async save(stateId: string, state: StateInput, options: SaveOptions = {}): Promise<SavedVersion> {
    checkStateId(stateId);
    const checked = checkSaveOptions(options);
    const { tensors, values } = await prepareState(state);
    await this.prepare();
    return saveVersion(this.saveContext(), stateId, tensors, values, checked, null);
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
      .select((eb) => [
        'state_id',
        eb.fn.max('version').as('latest'),
        eb.fn.countAll().as('count'),
        eb.fn.max('created_at').as('updated'),
      ])
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
      trx
        .deleteFrom('holomind_state_tags')
        .where('store_name', '=', this.storeName)
        .where('state_id', '=', stateId)
        .where('tag', '=', tag)
        .executeTakeFirst(),
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
    const checked = checkSaveOptions({
      description: options.description ?? `rollback to version ${version}`,
      metrics: options.metrics ?? source.metrics,
      tags: options.tags ?? [],
    });
    // The content is read back and verified first: a missing or damaged source fails here, before
    // anything is written, and the new version holds its own verified copy.
    const data = await this.readTensors(source.located, true);
    const tensors: VersionTensor[] = source.located.map(({ name, hash, dtype, shape }, index) => ({
      name,
      hash,
      dtype,
      shape,
      data: data[index]!,
      fingerprint: fingerprintTensor(dtype, shape, data[index]!),
    }));
    return saveVersion(this.saveContext(), stateId, tensors, source.values, checked, version);
  }

  /**
   * Scrub: reads every tensor of every version (of one state, or of all) from disk, bypassing the
   * cache, and checks its SHA-256 against the metadata. Lists each damaged version with the files
   * involved and what is wrong; the store is not changed.
   */
  async verify(options: { stateId?: string } = {}): Promise<VerifyReport> {
    await this.prepare();
    const stateIds =
      options.stateId === undefined ? (await this.list()).map((state) => state.stateId) : [checkStateId(options.stateId)];
    const report: VerifyReport = { checkedVersions: 0, checkedTensors: 0, damaged: [] };
    for (const stateId of stateIds) {
      for (const info of await versionInfos(this.db, this.storeName, stateId)) {
        const { located } = await versionMetadata(this.db, this.storeName, stateId, info.version);
        report.checkedVersions++;
        report.checkedTensors += located.length;
        const problems = await this.findDamage(located);
        if (problems.length > 0) {
          report.damaged.push({
            stateId,
            version: info.version,
            files: [...new Set(problems.map((problem) => problem.file))],
            problems: problems.map((problem) => problem.message),
          });
        }
      }
    }
    return report;
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
  async prune(policy: VersionRetentionPolicy = {}): Promise<PruneReport> {
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
          await migrateToLatest(this.db, { migrations: [stateMigrations] });
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
    this.claimDirectory(await this.databaseId());
  }

  /** The random identity of this store's database (created on first use; concurrent starters agree on one). */
  private async databaseId(): Promise<string> {
    await this.db
      .updateTable('holomind_state_stores')
      .set({ database_id: randomUUID() })
      .where('name', '=', this.storeName)
      .where('database_id', 'is', null)
      .execute();
    const row = await this.db
      .selectFrom('holomind_state_stores')
      .select('database_id')
      .where('name', '=', this.storeName)
      .executeTakeFirstOrThrow();
    return row.database_id!;
  }

  /**
   * Binds the directory to this store and its database: the marker file names both, and a store of
   * another name or database is refused, so two databases never sweep (prune) each other's files.
   */
  private claimDirectory(databaseId: string): void {
    ensureDurableFolder(this.directory);
    const marker = path.join(this.directory, markerFileName);
    const write = () => {
      const temporary = path.join(this.directory, uniqueFileName('.json', TEMPORARY_PREFIX));
      writeFileSync(
        temporary,
        JSON.stringify({ format: 'holomind-state-store/2', storeName: this.storeName, databaseId }) + '\n',
      );
      publishFile(temporary, marker);
    };
    if (!existsSync(marker)) return write();
    const claimed = readMarker(marker);
    if (claimed.storeName !== this.storeName) {
      throw new StateError(
        'STORE_MISMATCH',
        `Directory ${this.directory} belongs to state store '${claimed.storeName}', not '${this.storeName}'; give each store its own directory.`,
      );
    }
    // A marker from before databases were recorded: the first database to open it binds it.
    if (claimed.databaseId === undefined) return write();
    if (claimed.databaseId !== databaseId) {
      throw new StateError(
        'STORE_MISMATCH',
        `Directory ${this.directory} holds the state files of another database (id ${claimed.databaseId}, this one is ${databaseId}); ` +
          'open it with the database it was created with, or give this database its own directory.',
      );
    }
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

  private saveContext(): SaveContext {
    return {
      db: this.db,
      directory: this.directory,
      storeName: this.storeName,
      onSavePhase: this.options.onSavePhase,
      writeTransaction: (work) => this.writeTransaction(work),
    };
  }

  /**
   * Tensor data for located tensors: from the cache, else from their files (one open per file).
   * With `verify`, every tensor's SHA-256 is checked against the metadata, once per process: the
   * cache remembers which of its entries were verified.
   */
  private async readTensors(located: LocatedTensor[], verify: boolean): Promise<StateTypedArray[]> {
    const result: StateTypedArray[] = new Array(located.length);
    const byFile = new Map<string, Array<{ index: number; request: DatasetRequest }>>();
    located.forEach((tensor, index) => {
      const cached = this.cache?.get(tensor.hash);
      if (cached && (cached.verified || !verify)) {
        result[index] = cached.data.slice();
        return;
      }
      const list = byFile.get(tensor.file) ?? [];
      list.push({ index, request: { dataset: tensor.dataset, dtype: tensor.dtype, shape: tensor.shape } });
      byFile.set(tensor.file, list);
    });
    for (const [file, requests] of byFile) {
      const arrays = await readDatasets(
        path.join(this.directory, file),
        requests.map((entry) => entry.request),
      );
      requests.forEach(({ index }, position) => {
        const data = arrays[position]!;
        const tensor = located[index]!;
        if (verify) {
          const actual = hashTensor(tensor.dtype, tensor.shape, data);
          if (actual !== tensor.hash) {
            throw new StateError(
              'CORRUPT_FILE',
              `Tensor '${tensor.name}' read from ${tensor.file} hashes to ${actual}, the metadata says ${tensor.hash}; the file was changed outside StateStore.`,
            );
          }
        }
        // The cache keeps its own copy: callers own (and may change) what load returns. Empty
        // arrays (size 0 is invalid for lru-cache) and ones over the whole budget are not cached.
        if (this.cache && data.byteLength > 0 && data.byteLength <= this.cache.maxSize)
          this.cache.set(tensor.hash, { data: data.slice(), verified: verify });
        result[index] = data;
      });
    }
    return result;
  }

  /** Every problem of a version's tensors, read from disk (not the cache): unreadable files or datasets, wrong hashes. */
  private async findDamage(located: LocatedTensor[]): Promise<Array<{ file: string; message: string }>> {
    const problems: Array<{ file: string; message: string }> = [];
    const byFile = new Map<string, LocatedTensor[]>();
    for (const tensor of located) byFile.set(tensor.file, [...(byFile.get(tensor.file) ?? []), tensor]);
    for (const [file, tensors] of byFile) {
      for (const tensor of tensors) {
        try {
          const [data] = await readDatasets(path.join(this.directory, file), [tensor]);
          const actual = hashTensor(tensor.dtype, tensor.shape, data!);
          if (actual !== tensor.hash)
            problems.push({
              file,
              message: `tensor '${tensor.name}' hashes to ${actual.slice(0, 12)}…, the metadata says ${tensor.hash.slice(0, 12)}…`,
            });
        } catch (error) {
          problems.push({ file, message: `tensor '${tensor.name}': ${(error as Error).message}` });
        }
      }
    }
    return problems;
  }
}

/** The store marker's content; a marker that is not ours or not JSON is a named error. */
function readMarker(marker: string): { storeName?: string; databaseId?: string } {
  try {
    const parsed = JSON.parse(readFileSync(marker, 'utf8')) as unknown;
    if (typeof parsed === 'object' && parsed !== null && typeof (parsed as { storeName?: unknown }).storeName === 'string')
      return parsed as { storeName?: string; databaseId?: string };
  } catch {
    // Reported below with the fix.
  }
  throw new StateError(
    'STORE_MISMATCH',
    `The store marker ${marker} is damaged (not the JSON a StateStore writes); if this directory holds only HoloMind state files, delete the marker and open the store again with its own database.`,
  );
}

function busyError(storeName: string, cause: unknown): StateError {
  return new StateError(
    'STORE_BUSY',
    `State store '${storeName}' is busy: another process held its database lock longer than the busy timeout. ` +
      `Nothing was committed; retry, or raise busyTimeoutMs in createDatabase().`,
    { cause },
  );
}

function checkSaveOptions(options: SaveOptions): Required<SaveOptions> {
  const description = options.description ?? '';
  if (typeof description !== 'string')
    throw new StateError('INVALID_ARGUMENT', `description must be a string, got ${describeValue(description)}.`);
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
  if (!Array.isArray(tags))
    throw new StateError('INVALID_ARGUMENT', `tags must be an array of strings, got ${describeValue(tags)}.`);
  tags.forEach(checkTag);
  return { description, metrics, tags };
}
