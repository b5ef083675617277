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
 * The pipeline keeps a run's checkpoints under one state id per database, so runs that train at
 * the same time need a database each: a database of the shared PostgreSQL server (named `name`),
 * or an SQLite file in the run's folder. (Schemas of one database do not work: kysely's migrator
 * finds its bookkeeping tables in any schema.)
 */
export function runDatabaseUrl(studyUrl: string, runFolder: string, name: string): string {
  if (studyUrl.startsWith('sqlite:')) return `sqlite:${path.join(runFolder, 'holomind.db')}`;
  const url = new URL(studyUrl);
  url.pathname = `/${name}`;
  return url.toString();
}

/** Creates a run's PostgreSQL database on the study's server when missing (nothing to do on SQLite). */
export async function prepareRunDatabase(studyDb: Kysely<Database>, studyUrl: string, name: string): Promise<void> {
  if (studyUrl.startsWith('sqlite:')) return;
  const { rows } = await sql`select 1 from pg_database where datname = ${name}`.execute(studyDb);
  if (rows.length === 0) await sql`create database ${sql.id(name)}`.execute(studyDb);
}
