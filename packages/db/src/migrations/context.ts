import { sql, type Expression } from 'kysely';
import type { SqlDialectName } from '../dialect.js';

/** What a migration needs to know beyond the Kysely instance. */
export interface MigrationContext {
  dialect: SqlDialectName;
}

/** JSON documents: `jsonb` where the dialect has it, `text` elsewhere. */
export function jsonType(context: MigrationContext): Expression<unknown> {
  return context.dialect === 'postgres' ? sql`jsonb` : sql`text`;
}
