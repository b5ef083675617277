import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { StateStore } from './state-store.js';
import { sqliteHome, type TestStoreHome } from './test-support/databases.js';
import { seededFloat32, seededInt32 } from './test-support/fixtures.js';

const run = promisify(execFile);

// Debian's hdf5-tools is the independent reader here; CI installs it (apt-get install hdf5-tools).
function hdf5Tool(name: string): string {
  const found = ['/usr/bin', '/usr/local/bin'].map((folder) => path.join(folder, name)).find(existsSync);
  if (!found) throw new Error(`${name} not found; install Debian's hdf5-tools (apt-get install -y hdf5-tools) to run this test.`);
  return found;
}

describe('saved files in HDF5 tools', () => {
  let home: TestStoreHome;
  let store: StateStore;
  beforeAll(async () => {
    home = await sqliteHome();
    store = new StateStore({ directory: home.directory, db: home.db });
  });
  afterAll(() => home?.close());

  it('h5ls -r lists every tensor with its shape, and h5dump reads the values and metadata attributes', async () => {
    const kernel = seededFloat32(784 * 32, 1);
    const saved = await store.save(
      'mnist-ewc',
      {
        'dense_1/kernel': { data: kernel, shape: [784, 32] },
        'dense_1/bias': { data: Float32Array.of(0.5, -1.25, 3), shape: [3] },
        'memory/labels': { data: seededInt32(10, 2), shape: [10] },
        'ewc/lambda': { data: Float32Array.of(400), shape: [] },
        task: 3,
      },
      { description: 'after task 3', metrics: { accuracy: 0.97 }, tags: ['task-3'] },
    );
    const file = path.join(home.directory, saved.file);
    const { stdout: listing } = await run(hdf5Tool('h5ls'), ['-r', file]);
    const lines = listing.split('\n').map((line) => line.trim().replace(/\s+/g, ' '));
    expect(lines).toEqual(
      expect.arrayContaining([
        '/tensors/dense_1/kernel Dataset {784, 32}',
        '/tensors/dense_1/bias Dataset {3}',
        '/tensors/memory/labels Dataset {10}',
        '/tensors/ewc/lambda Dataset {SCALAR}',
      ]),
    );

    const { stdout: bias } = await run(hdf5Tool('h5dump'), ['-d', '/tensors/dense_1/bias', file]);
    expect(bias).toMatch(/H5T_IEEE_F32LE/);
    expect(bias).toMatch(/\(0\): 0\.5, -1\.25, 3/);
    const { stdout: header } = await run(hdf5Tool('h5dump'), ['-A', file]);
    expect(header).toContain('"holomind-state/1"');
    expect(header).toContain('"after task 3"');
    expect(header).toContain('(0): "{"accuracy":0.97}"');
    expect(header).toContain('(0): "mnist-ewc"');
    // The root 'tensors' attribute is a manifest other readers can use: dtype, shape, sha256, source.
    const { stdout: manifestDump } = await run(hdf5Tool('h5dump'), ['-a', '/tensors', file]);
    const manifest = JSON.parse(/\(0\): "(.*)"\s*$/m.exec(manifestDump)![1]!) as Record<
      string,
      { dtype: string; shape: number[]; sha256: string; source: string }
    >;
    const biasBytes = Buffer.from(Float32Array.of(0.5, -1.25, 3).buffer);
    const biasHash = createHash('sha256').update('float32\n[3]\n').update(biasBytes).digest('hex');
    expect(manifest['dense_1/bias']).toEqual({ dtype: 'float32', shape: [3], sha256: biasHash, source: 'tensors/dense_1/bias' });
    expect(Object.keys(manifest).sort()).toEqual(['dense_1/bias', 'dense_1/kernel', 'ewc/lambda', 'memory/labels']);
  });

  it('keeps unchanged tensors in every version file (no links into other files), readable by HDF5 tools alone', async () => {
    const frozen = seededFloat32(1000, 5);
    await store.save('linked', { frozen: { data: frozen, shape: [10, 100] }, head: { data: Float32Array.of(1), shape: [1] } });
    const second = await store.save('linked', {
      frozen: { data: frozen, shape: [10, 100] },
      head: { data: Float32Array.of(2), shape: [1] },
    });
    const file = path.join(home.directory, second.file);
    const { stdout: listing } = await run(hdf5Tool('h5ls'), ['-r', file], { cwd: '/' });
    const frozenLine = listing.split('\n').find((line) => line.startsWith('/tensors/frozen'))!;
    expect(frozenLine).not.toMatch(/External Link/);
    expect(frozenLine).toContain('Dataset {10, 100}');
  });
});
