import { execFile } from 'node:child_process';
import { chownSync, existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** A throwaway PostgreSQL server in a temporary folder. */
export interface PostgresServer {
  port: number;
  host: string;
  stop(): Promise<void>;
}

function findBinary(name: string): string | undefined {
  for (const folder of (process.env.PATH ?? '').split(path.delimiter)) {
    if (folder && existsSync(path.join(folder, name))) return path.join(folder, name);
  }
  const versions = existsSync('/usr/lib/postgresql') ? readdirSync('/usr/lib/postgresql').sort().reverse() : [];
  for (const version of versions) {
    const candidate = path.join('/usr/lib/postgresql', version, 'bin', name);
    if (existsSync(candidate)) return candidate;
  }
  return undefined;
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

/**
 * Starts a real PostgreSQL server (initdb + pg_ctl, trust auth, fsync off), or says why it cannot
 * when the binaries are missing.
 * initdb refuses to run as root, so as root it runs as the `postgres` user.
 */
export async function startPostgres(): Promise<PostgresServer | { skipped: string }> {
  const initdb = findBinary('initdb');
  const pgCtl = findBinary('pg_ctl');
  if (!initdb || !pgCtl) return { skipped: 'PostgreSQL server binaries (initdb, pg_ctl) not found; apt-get install postgresql' };
  const folder = mkdtempSync(path.join(os.tmpdir(), 'holomind-pg-'));
  const asRoot = process.getuid?.() === 0;
  const runAs = async (command: string, args: string[]) => {
    if (!asRoot) return run(command, args);
    const quoted = [command, ...args].map((part) => `'${part.replace(/'/g, `'\\''`)}'`).join(' ');
    return run('su', ['postgres', '-s', '/bin/sh', '-c', quoted]);
  };
  try {
    if (asRoot) {
      const { stdout } = await run('id', ['-u', 'postgres']).catch(() => ({ stdout: '' }));
      const { stdout: group } = await run('id', ['-g', 'postgres']).catch(() => ({ stdout: '' }));
      if (!stdout.trim()) return { skipped: 'running as root and no postgres user exists for initdb' };
      chownSync(folder, Number(stdout.trim()), Number(group.trim()));
    }
    await runAs(initdb, ['-D', path.join(folder, 'data'), '-U', 'postgres', '-A', 'trust', '-E', 'UTF8', '--no-sync']);
    const port = await freePort();
    await runAs(pgCtl, [
      '-D',
      path.join(folder, 'data'),
      '-l',
      path.join(folder, 'log'),
      '-w',
      '-o',
      `-c listen_addresses=127.0.0.1 -p ${port} -k ${folder} -c fsync=off`,
      'start',
    ]);
    return {
      port,
      host: '127.0.0.1',
      async stop() {
        await runAs(pgCtl, ['-D', path.join(folder, 'data'), '-m', 'fast', '-w', 'stop']).catch(() => undefined);
        rmSync(folder, { recursive: true, force: true });
      },
    };
  } catch (error) {
    // Installed but failing to start is a real failure, not a reason to skip.
    rmSync(folder, { recursive: true, force: true });
    throw new Error(`PostgreSQL is installed but could not start: ${(error as Error).message}`, { cause: error });
  }
}
