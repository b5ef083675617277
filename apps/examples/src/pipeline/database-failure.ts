import { maskUrlCredentials } from '@holomind/core';

/** The innermost error of a `cause` chain that carries a code (a driver's or the system's). */
function rootCause(error: unknown): { code?: string; message: string } {
  let found: { code?: string; message: string } = { message: String((error as Error)?.message ?? error) };
  for (let current = error, depth = 0; current instanceof Error && depth < 8; current = current.cause, depth++) {
    const code = (current as { code?: unknown }).code;
    if (typeof code === 'string') found = { code, message: current.message };
  }
  return found;
}

// What is wrong with a SQLite database file, by better-sqlite3's error code (a prefix match covers
// the extended codes such as SQLITE_IOERR_WRITE or SQLITE_CANTOPEN_ISDIR).
const SQLITE_FIXES: Array<[prefix: string, problem: string]> = [
  [
    'SQLITE_NOTADB',
    'the file is not a SQLite database. Point --db at a new path (sqlite:<folder>/holomind.db) or at the run database',
  ],
  ['SQLITE_CORRUPT', 'the SQLite file is damaged. Restore it from a backup or start a new database with --db sqlite:<new path>'],
  [
    'SQLITE_CANTOPEN',
    'the file cannot be opened: the path is a folder, or its folder cannot be written. Give a file path whose folder you can write',
  ],
  ['SQLITE_READONLY', 'the file or its folder is read-only. Give a writable path, or fix the permissions'],
  ['SQLITE_PERM', 'the file or its folder is read-only. Give a writable path, or fix the permissions'],
  ['SQLITE_BUSY', 'another process holds its lock. Wait for it to finish, or use another database file'],
  ['SQLITE_LOCKED', 'another process holds its lock. Wait for it to finish, or use another database file'],
  ['SQLITE_FULL', 'the disk is full. Free space and run again'],
  ['SQLITE_IOERR', 'the disk reported an I/O error. Check the disk, or use a database on another one'],
];

// What is wrong with a PostgreSQL database, by pg's error code (SQLSTATE or errno).
const POSTGRES_FIXES: Record<string, string> = {
  ECONNREFUSED: 'no server accepts connections at that host and port. Start PostgreSQL, or fix the host and port in the URL',
  ENOTFOUND: 'the host name does not resolve. Fix the host in the URL',
  EAI_AGAIN: 'the host name does not resolve. Fix the host in the URL, or check the network',
  ETIMEDOUT: 'the server did not answer in time. Check the host, port and firewall',
  ECONNRESET: 'the server closed the connection. Check its log and that the URL names a PostgreSQL server',
  ERR_INVALID_URL:
    'the URL is not valid. Percent-encode special characters of the user and password (@ as %40, # as %23, space as %20)',
  '28P01': 'the server refused the password. Fix the user and password in the URL',
  '28000':
    'the server refused the user (no such role, or pg_hba.conf rejects this client). Fix the user, or the server configuration',
  '3D000': 'the database does not exist on that server. Create it (createdb <name>) or fix the name in the URL',
  '42501': 'the user lacks the privileges to create or change the tables. Grant them, or use the database owner',
  '53300': 'the server has too many connections. Close some, or raise max_connections',
  '57P03': 'the server is starting up or shutting down. Wait and run again',
};

/**
 * One sentence saying what is wrong with the database at `url` and how to fix it, from the error
 * that opening or migrating it raised. SQLite failures name the file's problem, PostgreSQL ones the
 * server's; credentials are masked. Errors without a known code keep their own message.
 */
export function describeDatabaseFailure(url: string, error: unknown): string {
  const { code, message } = rootCause(error);
  const safeUrl = maskUrlCredentials(url, [url]);
  const reason = maskUrlCredentials(message, [url]).replace(/\.$/, '');
  if (url.startsWith('sqlite:')) {
    const problem = SQLITE_FIXES.find(([prefix]) => code?.startsWith(prefix))?.[1];
    const file = url.slice('sqlite:'.length);
    if (problem) return `Cannot use the SQLite database ${file} (${code}: ${reason}): ${problem}. Nothing was trained.`;
    if (code && /^E[A-Z]+$/.test(code))
      return `Cannot use the SQLite database ${file}: ${reason}. Check the path and its permissions. Nothing was trained.`;
  }
  if (/^postgres(ql)?:/.test(url)) {
    const problem = code === undefined ? undefined : POSTGRES_FIXES[code];
    if (problem) return `Cannot use the PostgreSQL database ${safeUrl} (${code}: ${reason}): ${problem}. Nothing was trained.`;
    return (
      `Cannot use the PostgreSQL database ${safeUrl}: ${reason}. Nothing was trained. Check that the server is running and ` +
      'the URL, user and password are right, or use the embedded default with --db sqlite:.holomind/holomind.db.'
    );
  }
  return `Cannot use the database ${safeUrl}: ${reason}. Nothing was trained.`;
}
