import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { installPackedPackages, startPostgresServer, type PackedProject, type PostgresServer } from '@holomind/testing';

const packageDir = fileURLToPath(new URL('..', import.meta.url));

describe('@holomind/db installed alone from its tarball', () => {
  let project: PackedProject;
  let server: PostgresServer;

  beforeAll(async () => {
    // pg only: better-sqlite3 has no prebuilt binary here (a 2-minute compile), and its absence
    // is exactly what the script below checks is explained well.
    [project, server] = await Promise.all([
      installPackedPackages({ packageDirs: [packageDir], registryDependencies: { pg: '^8.23.1' } }),
      startPostgresServer(),
    ]);
  });
  afterAll(async () => {
    await server?.stop();
    await project?.remove();
  });

  it('migrates a real PostgreSQL database, records and lists experiments, and names missing optional drivers', async () => {
    const output = await project.runScript(
      `
      import { createDatabase, migrateToLatest, ExperimentRepository, SqlArchiveStore, MongoArchiveStore } from '@holomind/db';
      const db = await createDatabase(process.env.DATABASE_URL);
      const applied = await migrateToLatest(db);
      const experiments = new ExperimentRepository(db);
      const a = await experiments.create({ name: 'pack', hyperparameters: { lambda: 1 } });
      const b = await experiments.create({ name: 'pack', hyperparameters: { lambda: 2 } });
      await experiments.finish(a.id, { metrics: { accuracy: 0.8 } });
      const best = await experiments.list({ name: 'pack' });
      const archive = new SqlArchiveStore(db);
      const v1 = await archive.saveArchitecture({ name: 'mlp', document: { layers: [2, 2] } });
      const v2 = await archive.saveArchitecture({ name: 'mlp', document: { layers: [2, 4] } });
      const evolution = (await archive.evolution(v2.id)).map((record) => record.id === v1.id ? 'v1' : 'v2');
      await db.destroy();
      const codes = {};
      try { await createDatabase('sqlite:./x.db'); } catch (error) { codes.sqlite = [error.code, error.message.includes('npm i better-sqlite3')]; }
      try { await MongoArchiveStore.connect('mongodb://127.0.0.1:1/x'); } catch (error) { codes.mongo = error.code; }
      console.log(JSON.stringify({ applied: applied.length, best: best.map((experiment) => experiment.hyperparameters.lambda), evolution, codes }));
    `,
      { DATABASE_URL: server.url },
    );
    expect(JSON.parse(output.trim().split('\n').pop()!)).toEqual({
      applied: 4,
      best: [2, 1],
      evolution: ['v1', 'v2'],
      codes: { sqlite: ['DRIVER_PACKAGE_MISSING', true], mongo: 'DRIVER_PACKAGE_MISSING' },
    });
  });
});
