import { execFile } from 'node:child_process';
import { chownSync, existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** A throwaway PostgreSQL server started by {@link startPostgresServer}. */
export interface PostgresServer {
  /** `postgres://postgres@127.0.0.1:<port>/postgres`, trust authentication. */
  url: string;
  port: number;
  /** Stops the server (`pg_ctl -m fast stop`) and deletes its folder. */
  stop(): Promise<void>;
}

/**
 * Finds the folder holding `initdb` and `pg_ctl`: PATH first, then Debian's
 * `/usr/lib/postgresql/<major>/bin` (the `postgresql` package does not put them on PATH).
 */
export function findPostgresBinaries(): string | undefined {
  for (const folder of (process.env.PATH ?? '').split(path.delimiter)) {
    if (folder && existsSync(path.join(folder, 'initdb')) && existsSync(path.join(folder, 'pg_ctl'))) return folder;
  }
  const debianRoot = '/usr/lib/postgresql';
  if (!existsSync(debianRoot)) return undefined;
  const majors = readdirSync(debianRoot)
    .filter((name) => /^\d+$/.test(name))
    .sort((a, b) => Number(b) - Number(a));
  for (const major of majors) {
    const folder = path.join(debianRoot, major, 'bin');
    if (existsSync(path.join(folder, 'initdb'))) return folder;
  }
  return undefined;
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port'))));
    });
  });
}

function shellQuote(text: string): string {
  return `'${text.replaceAll("'", `'\\''`)}'`;
}

/**
 * Starts a real PostgreSQL server in a fresh temporary folder on a free port of 127.0.0.1 (about
 * 1.5 s). `initdb` refuses root, so as root the server runs as the `postgres` system user, which
 * owns the folder. Throws (never skips) when the binaries are missing: `apt-get install postgresql`.
 */
export async function startPostgresServer(): Promise<PostgresServer> {
  const binaries = findPostgresBinaries();
  if (!binaries) {
    throw new Error(
      'PostgreSQL server binaries (initdb, pg_ctl) not found on PATH or in /usr/lib/postgresql/*/bin; apt-get install -y postgresql',
    );
  }
  const folder = mkdtempSync(path.join(os.tmpdir(), 'holomind-pg-'));
  const asRoot = process.getuid?.() === 0;
  if (asRoot) {
    let user: string;
    let group: string;
    try {
      user = (await run('id', ['-u', 'postgres'])).stdout;
      group = (await run('id', ['-g', 'postgres'])).stdout;
    } catch (error) {
      rmSync(folder, { recursive: true, force: true });
      throw new Error(
        "initdb refuses to run as root and there is no 'postgres' user to run it as; apt-get install -y postgresql creates one, or run the tests as a normal user.",
        { cause: error },
      );
    }
    chownSync(folder, Number(user.trim()), Number(group.trim()));
  }
  // initdb and pg_ctl as the folder's owner; arguments are quoted for the shell `su -c` runs.
  const runTool = async (tool: string, args: string[]): Promise<void> => {
    const command = [path.join(binaries, tool), ...args].map(shellQuote).join(' ');
    if (asRoot) await run('su', ['postgres', '-s', '/bin/bash', '-c', command]);
    else await run('/bin/bash', ['-c', command]);
  };
  const data = path.join(folder, 'data');
  const log = path.join(folder, 'log');
  const port = await freePort();
  await runTool('initdb', ['-D', data, '-U', 'postgres', '-A', 'trust', '-E', 'UTF8', '--no-sync']);
  const serverOptions = `-c listen_addresses=127.0.0.1 -p ${port} -k ${folder} -c fsync=off`;
  await runTool('pg_ctl', ['-D', data, '-l', log, '-w', '-o', serverOptions, 'start']);
  let stopped = false;
  return {
    url: `postgres://postgres@127.0.0.1:${port}/postgres`,
    port,
    async stop() {
      if (stopped) return;
      stopped = true;
      try {
        await runTool('pg_ctl', ['-D', data, '-m', 'fast', '-w', 'stop']);
      } finally {
        rmSync(folder, { recursive: true, force: true });
      }
    },
  };
}
