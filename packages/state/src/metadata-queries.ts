import type { Database, JsonValue, Kysely, Transaction } from '@holomind/db';
import { parseJsonColumn } from '@holomind/db/internal';
import { StateError } from './errors.js';
import { checkTag, checkVersion } from './names.js';
import { TENSOR_GROUP, type StoredLocation } from './hdf5-file.js';
import type { StateDtype } from './tensors.js';
import type { TensorInfo, VersionInfo, VersionMetadata, VersionSelector } from './types.js';

type Executor = Kysely<Database> | Transaction<Database>;

/** Splits long `IN (...)` lists: SQLite allows 32766 parameters, PostgreSQL 65535. */
export function inChunks<Item>(items: Item[], size = 500): Item[][] {
  const chunks: Item[][] = [];
  for (let start = 0; start < items.length; start += size) chunks.push(items.slice(start, start + size));
  return chunks;
}

/** Where each of `hashes` is stored, for those that are. */
export async function findStoredBlobs(db: Executor, storeName: string, hashes: string[]): Promise<Map<string, StoredLocation>> {
  const found = new Map<string, StoredLocation>();
  for (const chunk of inChunks([...new Set(hashes)])) {
    const rows = await db
      .selectFrom('holomind_state_blobs')
      .select(['hash', 'file', 'dataset'])
      .where('store_name', '=', storeName)
      .where('hash', 'in', chunk)
      .execute();
    for (const row of rows) found.set(row.hash, { file: row.file, dataset: row.dataset });
  }
  return found;
}

/** The version a selector names; throws NOT_FOUND when there is none. */
export async function resolveVersion(
  db: Executor,
  storeName: string,
  stateId: string,
  selector: VersionSelector = {},
): Promise<number> {
  if (selector.version !== undefined && selector.tag !== undefined) {
    throw new StateError('INVALID_ARGUMENT', `Pass either version (${selector.version}) or tag ('${selector.tag}'), not both.`);
  }
  if (selector.tag !== undefined) {
    const row = await db
      .selectFrom('holomind_state_tags')
      .select('version')
      .where('store_name', '=', storeName)
      .where('state_id', '=', stateId)
      .where('tag', '=', checkTag(selector.tag))
      .executeTakeFirst();
    if (!row)
      throw new StateError(
        'NOT_FOUND',
        `State '${stateId}' has no tag '${selector.tag}'; tag a version with tag(stateId, version, '${selector.tag}').`,
      );
    return row.version;
  }
  if (selector.version !== undefined) return checkVersion(selector.version);
  const latest = await db
    .selectFrom('holomind_state_versions')
    .select((eb) => eb.fn.max('version').as('latest'))
    .where('store_name', '=', storeName)
    .where('state_id', '=', stateId)
    .executeTakeFirst();
  if (latest?.latest === null || latest?.latest === undefined) {
    throw new StateError(
      'NOT_FOUND',
      `State '${stateId}' has no saved version; save() it first (list() shows the saved states).`,
    );
  }
  return Number(latest.latest);
}

/** Tags of several versions of one state, by version. */
export async function tagsByVersion(
  db: Executor,
  storeName: string,
  stateId: string,
  versions?: number[],
): Promise<Map<number, string[]>> {
  let query = db
    .selectFrom('holomind_state_tags')
    .select(['version', 'tag'])
    .where('store_name', '=', storeName)
    .where('state_id', '=', stateId);
  if (versions) query = query.where('version', 'in', versions.length ? versions : [-1]);
  const tags = new Map<number, string[]>();
  for (const row of await query.orderBy('tag').execute()) {
    const list = tags.get(row.version) ?? [];
    list.push(row.tag);
    tags.set(row.version, list);
  }
  return tags;
}

/** Summaries of versions of a state (all, or the given numbers), oldest first. */
export async function versionInfos(
  db: Executor,
  storeName: string,
  stateId: string,
  versions?: number[],
): Promise<VersionInfo[]> {
  let query = db
    .selectFrom('holomind_state_versions')
    .select(['state_id', 'version', 'created_at', 'description', 'metrics', 'restored_from', 'byte_length', 'file'])
    .where('store_name', '=', storeName)
    .where('state_id', '=', stateId);
  if (versions) query = query.where('version', 'in', versions.length ? versions : [-1]);
  const rows = await query.orderBy('version').execute();
  const tags = await tagsByVersion(db, storeName, stateId, versions);
  return rows.map((row) => ({
    stateId: row.state_id,
    version: row.version,
    createdAt: new Date(row.created_at),
    description: row.description,
    metrics: parseJsonColumn<Record<string, number>>(row.metrics),
    tags: tags.get(row.version) ?? [],
    restoredFrom: row.restored_from,
    byteLength: Number(row.byte_length),
    file: row.file,
  }));
}

/** A tensor of a version with where its bytes are. */
export interface LocatedTensor extends TensorInfo, StoredLocation {}

/** Full metadata of one version, with where each tensor's bytes live. */
export async function versionMetadata(
  db: Executor,
  storeName: string,
  stateId: string,
  version: number,
): Promise<VersionMetadata & { located: LocatedTensor[] }> {
  const [info] = await versionInfos(db, storeName, stateId, [version]);
  if (!info)
    throw new StateError(
      'NOT_FOUND',
      `State '${stateId}' has no version ${version}; history('${stateId}') lists the versions that exist.`,
    );
  const valuesRow = await db
    .selectFrom('holomind_state_versions')
    .select(['state_values', 'self_contained'])
    .where('store_name', '=', storeName)
    .where('state_id', '=', stateId)
    .where('version', '=', version)
    .executeTakeFirstOrThrow();
  // A self-contained version reads every tensor from its own file; older versions follow the
  // blob table into whichever file first stored the content.
  const ownFile = valuesRow.self_contained === 1 ? info.file : undefined;
  const rows = await db
    .selectFrom('holomind_state_version_tensors as t')
    .innerJoin('holomind_state_blobs as b', (join) =>
      join.onRef('b.store_name', '=', 't.store_name').onRef('b.hash', '=', 't.hash'),
    )
    .select(['t.name', 't.hash', 'b.dtype', 'b.shape', 'b.byte_length', 'b.file', 'b.dataset'])
    .where('t.store_name', '=', storeName)
    .where('t.state_id', '=', stateId)
    .where('t.version', '=', version)
    .orderBy('t.name')
    .execute();
  const located = rows.map((row) => ({
    name: row.name,
    hash: row.hash,
    dtype: row.dtype as StateDtype,
    shape: parseJsonColumn<number[]>(row.shape),
    byteLength: Number(row.byte_length),
    file: ownFile ?? row.file,
    dataset: ownFile === undefined ? row.dataset : `${TENSOR_GROUP}/${row.name}`,
  }));
  return {
    ...info,
    tensors: located.map(({ name, hash, dtype, shape, byteLength }) => ({ name, hash, dtype, shape, byteLength })),
    values: parseJsonColumn<Record<string, JsonValue>>(valuesRow.state_values),
    located,
  };
}
