import { PostgresAdapter, SqliteAdapter, type Kysely } from 'kysely';
import { DatabaseError } from './errors.js';

/** The SQL dialects whose migrations and queries are tested. */
export type SqlDialectName = 'sqlite' | 'postgres';

/**
 * Which dialect a Kysely instance speaks, from its adapter. Checks the class name too, because a
 * second copy of kysely in the caller's project defeats `instanceof`.
 */
export function sqlDialectOf<DB>(db: Kysely<DB>): SqlDialectName {
  const adapter = db.getExecutor().adapter;
  if (adapter instanceof PostgresAdapter || adapter.constructor.name === 'PostgresAdapter') return 'postgres';
  if (adapter instanceof SqliteAdapter || adapter.constructor.name === 'SqliteAdapter') return 'sqlite';
  throw new DatabaseError(
    'INVALID_ARGUMENT',
    `Unsupported Kysely dialect (adapter ${adapter.constructor.name}); HoloMind's migrations support SQLite and PostgreSQL. ` +
      `Create the instance with createDatabase('sqlite:<path>') or createDatabase('postgres://...').`,
  );
}

/** Serialises a value for a `JsonColumn`. */
export function toJsonColumn(value: unknown): string {
  return JSON.stringify(value ?? null);
}

/** Reads a `JsonColumn`: PostgreSQL's jsonb arrives parsed, SQLite's text arrives as a string. */
export function parseJsonColumn<Value = unknown>(value: unknown): Value {
  return (typeof value === 'string' ? JSON.parse(value) : value) as Value;
}

/** The current time as stored in `TimestampColumn`s. */
export function nowTimestamp(): string {
  return new Date().toISOString();
}

function driverCode(error: unknown): string {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : '';
}

/**
 * True when a driver error means "another connection holds the lock, try again later": SQLite's
 * SQLITE_BUSY / SQLITE_LOCKED (after its busy timeout) and PostgreSQL's lock_not_available,
 * serialization_failure and deadlock_detected.
 */
export function isLockContentionError(error: unknown): boolean {
  const code = driverCode(error);
  return (
    code.startsWith('SQLITE_BUSY') || code.startsWith('SQLITE_LOCKED') || code === '55P03' || code === '40001' || code === '40P01'
  );
}

/** True when a driver error is a primary-key or unique-constraint violation. */
export function isUniqueViolation(error: unknown): boolean {
  const code = driverCode(error);
  return code === 'SQLITE_CONSTRAINT_PRIMARYKEY' || code === 'SQLITE_CONSTRAINT_UNIQUE' || code === '23505';
}
