import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
// Exported as @holomind/testing/sql-targets, not from the index or ./vitest: it registers a vitest afterAll,
// so it must not load outside a test file (benches import the index, vitest configs import ./vitest).
import { afterAll } from 'vitest';
import { startPostgresServer, type PostgresServer } from './postgres.js';

const run = promisify(execFile);

/** The SQL dialects every storage suite runs against: an SQLite file and a real PostgreSQL server. */
export const SQL_TARGET_DIALECTS = ['sqlite', 'postgres'] as const;

/** One of {@link SQL_TARGET_DIALECTS}. */
export type SqlTargetDialect = (typeof SQL_TARGET_DIALECTS)[number];

/** A fresh, empty database for one suite: its connection handle, URL and dialect, and how to throw it away. */
export interface SqlTarget<Handle> {
  dialect: SqlTargetDialect;
  /** `sqlite:<file>` or `postgres://postgres@127.0.0.1:<port>/<database>`. */
  url: string;
  handle: Handle;
  /** Destroys the handle, then deletes the file or drops the database. */
  close(): Promise<void>;
}

/** What the caller's driver returns: anything it can destroy (a Kysely instance, a pool). */
export interface DestroyableHandle {
  destroy(): Promise<void>;
}

/**
 * One PostgreSQL server shared by the calling test file, started on first use and stopped after
 * the file's tests (a vitest `afterAll` is registered here, so call it at the top of a test file).
 */
export function sharedPostgresServer(): () => Promise<PostgresServer> {
  let starting: Promise<PostgresServer> | undefined;
  afterAll(async () => (await starting)?.stop());
  return () => (starting ??= startPostgresServer());
}

/**
 * Opens a fresh database of `dialect` through the caller's `connect(url)` (db's `createDatabase`,
 * or a Kysely instance built by hand). PostgreSQL databases are created with `createdb` on the
 * server `postgres()` returns, so this package needs no driver of its own.
 *
 * @example
 * const postgres = sharedPostgresServer();
 * const target = await openSqlTarget('postgres', createDatabase, postgres);
 */
export async function openSqlTarget<Handle extends DestroyableHandle>(
  dialect: SqlTargetDialect,
  connect: (url: string) => Promise<Handle>,
  postgres?: () => Promise<Pick<PostgresServer, 'url' | 'port'>>,
): Promise<SqlTarget<Handle>> {
  let url: string;
  let remove: () => Promise<void>;
  if (dialect === 'sqlite') {
    const folder = mkdtempSync(path.join(os.tmpdir(), 'holomind-sqlite-'));
    url = `sqlite:${path.join(folder, 'test.db')}`;
    remove = async () => rmSync(folder, { recursive: true, force: true });
  } else {
    if (!postgres)
      throw new Error("openSqlTarget('postgres') needs the server: pass sharedPostgresServer() as the third argument.");
    const server = await postgres();
    const name = `holomind_test_${randomBytes(6).toString('hex')}`;
    await runClient(server, 'createdb', [name]);
    url = server.url.replace(/\/[^/]*$/, `/${name}`);
    remove = () => runClient(server, 'dropdb', ['--force', '--if-exists', name]);
  }
  const handle = await connect(url);
  return {
    dialect,
    url,
    handle,
    async close() {
      await handle.destroy();
      await remove();
    },
  };
}

/** Runs a PostgreSQL client program (createdb, dropdb) against `server` as the `postgres` role. */
async function runClient(server: Pick<PostgresServer, 'port'>, tool: string, args: string[]): Promise<void> {
  const program = findPostgresProgram(tool);
  if (!program)
    throw new Error(`PostgreSQL's ${tool} not found on PATH or in /usr/lib/postgresql/*/bin; apt-get install -y postgresql`);
  await run(program, ['-h', '127.0.0.1', '-p', String(server.port), '-U', 'postgres', ...args]);
}

/** A PostgreSQL program: PATH first (initdb may be a wrapper there without its siblings), then Debian's folders. */
function findPostgresProgram(name: string): string | undefined {
  for (const folder of (process.env.PATH ?? '').split(path.delimiter)) {
    if (folder && existsSync(path.join(folder, name))) return path.join(folder, name);
  }
  const debianRoot = '/usr/lib/postgresql';
  const majors = existsSync(debianRoot) ? readdirSync(debianRoot).sort((a, b) => Number(b) - Number(a)) : [];
  return majors.map((major) => path.join(debianRoot, major, 'bin', name)).find((candidate) => existsSync(candidate));
}
