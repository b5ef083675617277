import path from 'node:path';
import { sql } from 'kysely';
import type { Database, Kysely } from '@holomind/db';
import { openDatabase, RUN_MIGRATIONS } from '../pipeline/database.js';
import { studyMigrations, migrateToLatest } from '@holomind/db';

/** Every table a study uses: a run's tables plus the study tables. */
export const STUDY_MIGRATIONS = [...RUN_MIGRATIONS, studyMigrations];

/**
 * Opens the study database (SQLite embedded, or the shared PostgreSQL) and migrates the run and
 * study tables; fails with DATABASE_UNREACHABLE before any trial when it cannot be reached.
 */
export async function openStudyDatabase(url: string): Promise<Kysely<Database>> {
  const db = await openDatabase(url);
  try {
    await migrateToLatest(db, { migrations: STUDY_MIGRATIONS });
    return db;
  } catch (error) {
    await db.destroy();
    throw error;
  }
}

/** An absolute `sqlite:` path (workers may start elsewhere); other URLs unchanged. */
export function absoluteDatabaseUrl(url: string): string {
  if (!url.startsWith('sqlite:') || url === 'sqlite::memory:') return url;
  return `sqlite:${path.resolve(url.slice('sqlite:'.length))}`;
}

/**
 * Where one run (a trial with one seed) keeps its experiment, metrics and checkpoint metadata.
 * The pipeline's checkpoints live under one state id per database, so runs that train at the same
 * time need separate namespaces: a schema of the shared PostgreSQL database (`search_path`), or
 * an SQLite file in the run's folder.
 */
export function runDatabaseUrl(studyUrl: string, runFolder: string, schema: string): string {
  if (studyUrl.startsWith('sqlite:')) return `sqlite:${path.join(runFolder, 'holomind.db')}`;
  const url = new URL(studyUrl);
  url.searchParams.set('options', `-c search_path=${schema}`);
  return url.toString();
}

/** Creates a run's PostgreSQL schema (nothing to do on SQLite). */
export async function prepareRunDatabase(studyDb: Kysely<Database>, studyUrl: string, schema: string): Promise<void> {
  if (studyUrl.startsWith('sqlite:')) return;
  await sql`create schema if not exists ${sql.id(schema)}`.execute(studyDb);
}
