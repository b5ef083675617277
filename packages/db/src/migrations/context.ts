/* eslint-disable @typescript-eslint/no-explicit-any -- a migration runs before its tables exist, so it cannot be typed by them */
import { sql, type Expression, type Kysely } from 'kysely';
import type { SqlDialectName } from '../dialect.js';

/** What a migration needs to know beyond the Kysely instance: the dialect, detected once by the migrator. */
export interface MigrationContext {
  dialect: SqlDialectName;
}

/** One schema step of a package's tables. `down` undoes `up` (drops what it created). */
export interface HoloMindMigration {
  up(db: Kysely<any>, context: MigrationContext): Promise<void>;
  down(db: Kysely<any>, context: MigrationContext): Promise<void>;
}

/**
 * The migrations of one package's tables. `namespace` names the set's own bookkeeping tables
 * (`holomind_<namespace>_migration`), so sets from different packages never collide and each can
 * be applied alone (a StateStore migrates only state's set). Names inside a set are applied in
 * sort order: number them (`0001-...`), never rename one, only append.
 */
export interface MigrationSet {
  namespace: string;
  migrations: Readonly<Record<string, HoloMindMigration>>;
}

/** JSON documents: `jsonb` where the dialect has it, `text` elsewhere. */
export function jsonColumnType(context: MigrationContext): Expression<unknown> {
  return context.dialect === 'postgres' ? sql`jsonb` : sql`text`;
}
