import { afterAll } from 'vitest';
import { startPostgresServer, type PostgresServer } from '@holomind/testing';
import { postgresHome } from './test-support/databases.js';
import { describeStateStoreBehaviour } from './test-support/store-behaviour.js';

// A real server (initdb + pg_ctl as the postgres user) for the file; a fresh database per test.
let server: Promise<PostgresServer> | undefined;
afterAll(async () => (await server)?.stop());

describeStateStoreBehaviour('PostgreSQL', async () => {
  server ??= startPostgresServer();
  return postgresHome((await server).url);
});
