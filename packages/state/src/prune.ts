import { describeValue } from '@holomind/core';
import { readdirSync, statSync, type Stats } from 'node:fs';
import path from 'node:path';
import type { Database, Transaction } from '@holomind/db';
import { removeFilesDurably, TEMPORARY_PREFIX } from './durable-files.js';
import { StateError } from './errors.js';
import { inChunks } from './metadata-queries.js';
import type { PruneReport, VersionRetentionPolicy } from './types.js';

/** What pruning needs from the store. */
export interface PruneContext {
  directory: string;
  storeName: string;
  writeTransaction<Result>(work: (trx: Transaction<Database>) => Promise<Result>): Promise<Result>;
}

const defaultOrphanGraceMs = 15 * 60 * 1000;

function checkPolicy(policy: VersionRetentionPolicy): void {
  if (policy.keepLast !== undefined && (!Number.isInteger(policy.keepLast) || policy.keepLast < 1)) {
    throw new StateError(
      'INVALID_ARGUMENT',
      `keepLast must be an integer >= 1 (the latest version is always kept), got ${describeValue(policy.keepLast)}.`,
    );
  }
  if (policy.olderThan !== undefined && (!(policy.olderThan instanceof Date) || Number.isNaN(policy.olderThan.getTime()))) {
    throw new StateError('INVALID_ARGUMENT', `olderThan must be a valid Date, got ${describeValue(policy.olderThan)}.`);
  }
  if (policy.orphanGraceMs !== undefined && (!Number.isFinite(policy.orphanGraceMs) || policy.orphanGraceMs < 0)) {
    throw new StateError(
      'INVALID_ARGUMENT',
      `orphanGraceMs must be a number of milliseconds >= 0, got ${describeValue(policy.orphanGraceMs)}.`,
    );
  }
}

/** Versions the policy removes: beyond `keepLast` newest, older than `olderThan`, untagged unless allowed; never the latest. */
async function selectVersionsToRemove(
  trx: Transaction<Database>,
  storeName: string,
  policy: VersionRetentionPolicy,
): Promise<Array<{ state_id: string; version: number; file: string }>> {
  if (policy.keepLast === undefined && policy.olderThan === undefined) return [];
  let query = trx
    .selectFrom('holomind_state_versions')
    .select(['state_id', 'version', 'file', 'created_at'])
    .where('store_name', '=', storeName);
  if (policy.stateId !== undefined) query = query.where('state_id', '=', policy.stateId);
  const rows = await query.orderBy('state_id').orderBy('version', 'desc').execute();
  const tagged = new Set(
    (
      await trx.selectFrom('holomind_state_tags').select(['state_id', 'version']).where('store_name', '=', storeName).execute()
    ).map((row) => `${row.state_id}\n${row.version}`),
  );
  const keepLast = Math.max(policy.keepLast ?? Number.POSITIVE_INFINITY, 1);
  const cutoff = policy.olderThan?.toISOString();
  const seen = new Map<string, number>();
  return rows.filter((row) => {
    const rank = (seen.get(row.state_id) ?? 0) + 1;
    seen.set(row.state_id, rank);
    if (rank <= keepLast) return false;
    if (cutoff !== undefined && !(row.created_at < cutoff)) return false;
    return !((policy.keepTagged ?? true) && tagged.has(`${row.state_id}\n${row.version}`));
  });
}

/** Which of `files` a version or blob row still names. */
async function referencedFiles(trx: Transaction<Database>, storeName: string, files: string[]): Promise<Set<string>> {
  const referenced = new Set<string>();
  for (const chunk of inChunks(files)) {
    const versions = trx
      .selectFrom('holomind_state_versions')
      .select('file')
      .where('store_name', '=', storeName)
      .where('file', 'in', chunk);
    const blobs = trx
      .selectFrom('holomind_state_blobs')
      .select('file')
      .where('store_name', '=', storeName)
      .where('file', 'in', chunk);
    for (const row of await versions.union(blobs).execute()) referenced.add(row.file);
  }
  return referenced;
}

/** Files under the store's state folders that look like ours: published `.h5` files and temporaries. */
function listStoreFiles(directory: string): Array<{ relative: string; stats: Stats }> {
  const files: Array<{ relative: string; stats: Stats }> = [];
  for (const entry of readdirSync(directory, { withFileTypes: true })) {
    if (!entry.isDirectory()) continue;
    for (const file of readdirSync(path.join(directory, entry.name), { withFileTypes: true })) {
      if (!file.isFile() || !(file.name.endsWith('.h5') || file.name.startsWith(TEMPORARY_PREFIX))) continue;
      const relative = `${entry.name}/${file.name}`;
      files.push({ relative, stats: statSync(path.join(directory, relative)) });
    }
  }
  const rootTemporaries = readdirSync(directory, { withFileTypes: true }).filter(
    (entry) => entry.isFile() && entry.name.startsWith(TEMPORARY_PREFIX),
  );
  for (const entry of rootTemporaries) files.push({ relative: entry.name, stats: statSync(path.join(directory, entry.name)) });
  return files;
}

function fileSize(file: string): number {
  try {
    return statSync(file).size;
  } catch (error) {
    // Already gone (an earlier prune crashed after its commit): nothing to free.
    if ((error as { code?: string }).code === 'ENOENT') return 0;
    throw error;
  }
}

/** Implements `StateStore.prune`: metadata in one transaction, then files, then the orphan sweep. */
export async function pruneStore(context: PruneContext, policy: VersionRetentionPolicy): Promise<PruneReport> {
  checkPolicy(policy);
  const { directory, storeName } = context;
  const { removedVersions, doomedFiles } = await context.writeTransaction(async (trx) => {
    const victims = await selectVersionsToRemove(trx, storeName, policy);
    // Children first: tags and tensor links reference the version row.
    const versionTables = ['holomind_state_tags', 'holomind_state_version_tensors', 'holomind_state_versions'] as const;
    for (const victim of victims) {
      for (const table of versionTables) {
        await trx
          .deleteFrom(table)
          .where('store_name', '=', storeName)
          .where('state_id', '=', victim.state_id)
          .where('version', '=', victim.version)
          .execute();
      }
    }
    // Content no remaining version uses.
    const unusedBlobs = await trx
      .selectFrom('holomind_state_blobs as b')
      .select(['b.hash', 'b.file'])
      .where('b.store_name', '=', storeName)
      .where(({ not, exists, selectFrom }) =>
        not(
          exists(
            selectFrom('holomind_state_version_tensors as t')
              .select('t.hash')
              .whereRef('t.store_name', '=', 'b.store_name')
              .whereRef('t.hash', '=', 'b.hash'),
          ),
        ),
      )
      .execute();
    for (const chunk of inChunks(unusedBlobs.map((blob) => blob.hash))) {
      await trx.deleteFrom('holomind_state_blobs').where('store_name', '=', storeName).where('hash', 'in', chunk).execute();
    }
    const candidates = [...new Set([...victims.map((victim) => victim.file), ...unusedBlobs.map((blob) => blob.file)])];
    const stillUsed = await referencedFiles(trx, storeName, candidates);
    return {
      removedVersions: victims.map((victim) => ({ stateId: victim.state_id, version: victim.version })),
      doomedFiles: candidates.filter((file) => !stillUsed.has(file)),
    };
  });

  const sizes = new Map(doomedFiles.map((file) => [file, fileSize(path.join(directory, file))]));
  removeFilesDurably(doomedFiles.map((file) => path.join(directory, file)));

  // Orphans: files no row references, old enough that no save in flight should still want them.
  // They are deleted while holding the store's lock, after rechecking references there, and a
  // save checks its file still exists under the same lock before committing: so a row can never
  // end up naming a deleted file, even with orphanGraceMs: 0 while other processes save.
  const graceMs = policy.orphanGraceMs ?? defaultOrphanGraceMs;
  const listed = listStoreFiles(directory);
  const now = Date.now();
  const candidates = listed.filter((file) => !doomedFiles.includes(file.relative) && now - file.stats.mtimeMs >= graceMs);
  const orphans =
    candidates.length === 0
      ? []
      : await context.writeTransaction(async (trx) => {
          const referenced = await referencedFiles(
            trx,
            storeName,
            candidates.map((file) => file.relative),
          );
          const unreferenced = candidates.filter((file) => !referenced.has(file.relative)).map((file) => file.relative);
          removeFilesDurably(unreferenced.map((file) => path.join(directory, file)));
          return unreferenced;
        });

  const removedFiles = [...doomedFiles, ...orphans];
  for (const file of listed) sizes.set(file.relative, file.stats.size);
  const freedBytes = removedFiles.reduce((sum, file) => sum + (sizes.get(file) ?? 0), 0);
  return { removedVersions, removedFiles, freedBytes };
}
