import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { installPackedPackages, startPostgresServer, type PackedProject, type PostgresServer } from '@holomind/testing';

const packageDir = fileURLToPath(new URL('..', import.meta.url));
const dbDir = fileURLToPath(new URL('../../db', import.meta.url));

describe('@holomind/state installed alone from its tarball', () => {
  let project: PackedProject;
  let server: PostgresServer;

  beforeAll(async () => {
    // With @holomind/db (its dependency, not on the registry yet) and pg for the metadata.
    [project, server] = await Promise.all([
      installPackedPackages({
        packageDirs: [packageDir, dbDir],
        registryDependencies: { pg: '^8.23.1', '@tensorflow/tfjs-core': '4.22.0', '@tensorflow/tfjs-backend-cpu': '4.22.0' },
      }),
      startPostgresServer(),
    ]);
  });
  afterAll(async () => {
    await server?.stop();
    await project?.remove();
  });

  it('saves a tfjs tensor and a typed array in self-contained versions (nothing linked), and loads them back', async () => {
    const output = await project.runScript(
      `
      import * as tf from '@tensorflow/tfjs-core';
      import '@tensorflow/tfjs-backend-cpu';
      import { createDatabase } from '@holomind/db';
      import { StateStore } from '@holomind/state';
      await tf.setBackend('cpu');
      const db = await createDatabase(process.env.DATABASE_URL);
      const store = new StateStore({ directory: './states', db });
      const kernel = tf.tensor2d([[1, 2], [3, 4]]);
      const tensorsBefore = tf.memory().numTensors;
      const first = await store.save('pack', { kernel, labels: { data: Int32Array.of(7, 8, 9), shape: [3] }, task: 1 }, { tags: ['first'] });
      const second = await store.save('pack', { kernel, labels: { data: Int32Array.of(7, 8, 10), shape: [3] }, task: 2 });
      const loaded = await store.load('pack', { tag: 'first' });
      const leaked = tf.memory().numTensors - tensorsBefore;
      kernel.dispose();
      await db.destroy();
      console.log(JSON.stringify({
        versions: [first.version, second.version],
        reused: second.reusedBytes,
        kernel: [...loaded.tensors.kernel.data],
        labels: [...loaded.tensors.labels.data],
        task: loaded.values.task,
        leaked,
      }));
    `,
      { DATABASE_URL: server.url },
    );
    expect(JSON.parse(output.trim().split('\n').pop()!)).toEqual({
      versions: [1, 2],
      reused: 0,
      kernel: [1, 2, 3, 4],
      labels: [7, 8, 9],
      task: 1,
      leaked: 0,
    });
  });
});
