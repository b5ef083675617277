import { Kysely, PostgresDialect, SqliteDialect } from 'kysely';
import { importOptional, maskUrlCredentials } from '@holomind/core';
import { DatabaseError } from './errors.js';
import type { Database } from './schema.js';

/** Options of {@link createDatabase}. */
export interface CreateDatabaseOptions {
  /** SQLite: how long a writer waits for another process's lock before SQLITE_BUSY (ms, default 5000). */
  busyTimeoutMs?: number;
  /** PostgreSQL: connections in the pool (default 10). */
  poolSize?: number;
  /**
   * PostgreSQL: called when an idle pooled connection dies (server restart, admin shutdown). The pool
   * drops that connection and opens a new one on the next query, so this is not fatal; default: a
   * console warning. Without a listener, pg's 'error' event would crash the whole process.
   */
  onIdleConnectionError?: (error: Error) => void;
}

/** The shape of `better-sqlite3`'s default export that we use. */
interface BetterSqlite3Module {
  default: new (
    filename: string,
    options?: { timeout?: number },
  ) => {
    pragma(source: string): unknown;
    close(): void;
  };
}

/** The shape of `pg`'s module that we use. */
interface PgModule {
  default?: { Pool: new (config: { connectionString: string; max?: number }) => PgPool };
  Pool?: new (config: { connectionString: string; max?: number }) => PgPool;
}

interface PgPool {
  on(event: 'error', listener: (error: Error) => void): unknown;
}

/**
 * Opens a database from a URL and returns a Kysely instance typed with HoloMind's tables:
 * `sqlite:<path>` (or `sqlite::memory:`) through `better-sqlite3`, `postgres://` or
 * `postgresql://` through `pg`. The driver packages are optional peers, loaded only here.
 * SQLite opens in WAL mode with `synchronous=FULL` and foreign keys on, so a committed
 * transaction survives a crash of the process or the machine. Call `migrateToLatest(db)` next,
 * and `db.destroy()` when done.
 *
 * @example
 * const db = await createDatabase('sqlite:./holomind.db');
 * await migrateToLatest(db);
 */
export async function createDatabase(url: string, options: CreateDatabaseOptions = {}): Promise<Kysely<Database>> {
  if (typeof url !== 'string' || url.length === 0) {
    throw new DatabaseError(
      'INVALID_DATABASE_URL',
      `Expected a database URL string, got ${JSON.stringify(url)}; use 'sqlite:<path>' or 'postgres://user@host:port/db'.`,
    );
  }
  if (url.startsWith('sqlite:')) return openSqlite(url.slice('sqlite:'.length), options);
  if (url.startsWith('postgres://') || url.startsWith('postgresql://')) return openPostgres(url, options);
  throw new DatabaseError(
    'INVALID_DATABASE_URL',
    `Unsupported database URL '${maskUrlCredentials(url)}'; use 'sqlite:<path>', 'sqlite::memory:' or 'postgres://user@host:port/db'.`,
  );
}

async function openSqlite(filename: string, options: CreateDatabaseOptions): Promise<Kysely<Database>> {
  if (filename.length === 0 || filename.includes('\0')) {
    throw new DatabaseError(
      'INVALID_DATABASE_URL',
      `The SQLite URL needs a file path after 'sqlite:' (got ${JSON.stringify(filename)}); e.g. 'sqlite:./holomind.db' or 'sqlite::memory:'.`,
    );
  }
  const busyTimeoutMs = options.busyTimeoutMs ?? 5000;
  if (!Number.isInteger(busyTimeoutMs) || busyTimeoutMs < 0) {
    throw new DatabaseError(
      'INVALID_ARGUMENT',
      `busyTimeoutMs must be a non-negative integer of milliseconds, got ${busyTimeoutMs}.`,
    );
  }
  const driver = await importDriver<BetterSqlite3Module>('better-sqlite3', 'sqlite:');
  let database: InstanceType<BetterSqlite3Module['default']>;
  try {
    database = new driver.default(filename, { timeout: busyTimeoutMs });
  } catch (error) {
    throw new DatabaseError('DRIVER_UNAVAILABLE', `better-sqlite3 could not open '${filename}': ${(error as Error).message}`, {
      cause: error,
    });
  }
  // WAL lets readers run beside a writer; FULL syncs the WAL on every commit (durable across power loss).
  if (filename !== ':memory:') database.pragma('journal_mode = WAL');
  database.pragma('synchronous = FULL');
  database.pragma('foreign_keys = ON');
  return new Kysely<Database>({ dialect: new SqliteDialect({ database: database as never }) });
}

async function openPostgres(url: string, options: CreateDatabaseOptions): Promise<Kysely<Database>> {
  const driver = await importDriver<PgModule>('pg', 'postgres:');
  const Pool = driver.Pool ?? driver.default?.Pool;
  if (!Pool) throw new DatabaseError('DRIVER_UNAVAILABLE', `The installed 'pg' package exports no Pool; install pg@^8.`);
  const pool = new Pool({ connectionString: url, max: options.poolSize ?? 10 });
  pool.on(
    'error',
    options.onIdleConnectionError ??
      ((error) =>
        console.warn(`@holomind/db: an idle PostgreSQL connection closed (${error.message}); the pool will reconnect.`)),
  );
  return new Kysely<Database>({ dialect: new PostgresDialect({ pool: pool as never }) });
}

/**
 * Loads an optional driver peer; "not installed" names the package and the URL scheme that needs it,
 * an installed but broken driver is DRIVER_UNAVAILABLE. The loader is written here: under pnpm only
 * this package, whose optional peers these are, can resolve the driver.
 */
function importDriver<Module>(packageName: string, scheme: string): Promise<Module> {
  return importOptional(packageName, {
    load: () => import(packageName) as Promise<Module>,
    neededFor: `A '${scheme}' database URL`,
    missing: (message, cause) => new DatabaseError('DRIVER_PACKAGE_MISSING', `${message} Or use another URL.`, { cause }),
    broken: (message, cause) => new DatabaseError('DRIVER_UNAVAILABLE', message, { cause }),
  });
}
