import { openSync, closeSync, readSync, writeSync, rmSync, statSync, truncateSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { StateStore } from './state-store.js';
import { sqliteHome, type TestStoreHome } from './test-support/databases.js';
import { seededFloat32 } from './test-support/fixtures.js';
import { expectStateError, sameBits } from './test-support/store-behaviour.js';

const homes: TestStoreHome[] = [];
afterEach(async () => {
  await Promise.all(homes.splice(0).map((home) => home.close()));
});
async function openHome(): Promise<TestStoreHome> {
  const home = await sqliteHome();
  homes.push(home);
  return home;
}

const array = (data: Float32Array, shape: number[]) => ({ data, shape });

/** Flips one byte in the last quarter of a file (tensor data sits after HDF5's superblock and object headers). */
function flipByte(file: string): void {
  const size = statSync(file).size;
  const offset = Math.floor(size * 0.75);
  const descriptor = openSync(file, 'r+');
  try {
    const byte = Buffer.alloc(1);
    readSync(descriptor, byte, 0, 1, offset);
    byte[0] = byte[0]! ^ 0xff;
    writeSync(descriptor, byte, 0, 1, offset);
  } finally {
    closeSync(descriptor);
  }
}

/** The byte offset of a float32 array's bytes inside a file (they are stored contiguously). */
function flipInside(file: string, data: Float32Array): void {
  const bytes = Buffer.from(data.buffer, data.byteOffset, data.byteLength);
  const content = Buffer.alloc(statSync(file).size);
  const descriptor = openSync(file, 'r+');
  try {
    readSync(descriptor, content, 0, content.length, 0);
    const offset = content.indexOf(bytes);
    expect(offset, 'tensor bytes found in the file').toBeGreaterThan(0);
    writeSync(descriptor, Buffer.of(content[offset + 5]! ^ 0x01), 0, 1, offset + 5);
  } finally {
    closeSync(descriptor);
  }
}

describe('StateStore integrity (issue #15 findings 1, 2, 8)', () => {
  // Finding 1: truncate or flip the newest file, roll back, save the same content again: the new
  // versions linked into the damaged file. Now every version has its own file and copies are verified.
  it('finding 1: versions saved after damage to another file load and verify; damage stays in the damaged version', async () => {
    const home = await openHome();
    const store = new StateStore({ directory: home.directory, db: home.db });
    const frozen = seededFloat32(20_000, 1);
    const heads = [2, 3].map((seed) => seededFloat32(500, seed));
    const v1 = await store.save('run', { frozen: array(frozen, [20_000]), head: array(heads[0]!, [500]) });
    const v2 = await store.save('run', { frozen: array(frozen, [20_000]), head: array(heads[1]!, [500]) });

    flipInside(path.join(home.directory, v2.file), frozen); // the newest file: bytes of the shared tensor
    await expectStateError(store.load('run', { verify: true }), 'CORRUPT_FILE');
    const rolledBack = await store.rollback('run', 1);
    const resaved = await store.save('run', { frozen: array(frozen, [20_000]), head: array(heads[1]!, [500]) });
    for (const version of [rolledBack.version, resaved.version, v1.version]) {
      const loaded = await store.load('run', { version, verify: true });
      expect(sameBits(loaded.tensors.frozen!.data, frozen), `v${version}`).toBe(true);
    }

    // Truncating the oldest file leaves every later version loadable on its own.
    truncateSync(path.join(home.directory, v1.file), 2000);
    const fresh = new StateStore({ directory: home.directory, db: home.db, cacheBytes: 0 });
    for (const version of [rolledBack.version, resaved.version]) {
      const loaded = await fresh.load('run', { version, verify: true });
      expect(sameBits(loaded.tensors.frozen!.data, frozen)).toBe(true);
    }
    const report = await fresh.verify();
    expect(report.checkedVersions).toBe(4);
    expect(report.damaged.map(({ version, files }) => ({ version, files }))).toEqual([
      { version: 1, files: [v1.file] },
      { version: 2, files: [v2.file] },
    ]);
    expect(report.damaged[1]!.problems.join('\n')).toMatch(/frozen' hashes to/);
  });

  it('verify() on a cached store still reads the disk, and load({ verify }) never trusts an unverified cache entry', async () => {
    const home = await openHome();
    const store = new StateStore({ directory: home.directory, db: home.db });
    const data = seededFloat32(5000, 4);
    const saved = await store.save('model', { w: array(data, [5000]) });
    await store.load('model'); // caches the content without verifying it
    flipByte(path.join(home.directory, saved.file));
    rmSync(path.join(home.directory, saved.file)); // and then lose the file entirely
    expect((await store.verify()).damaged.map(({ version }) => version)).toEqual([1]);
    await expectStateError(
      new StateStore({ directory: home.directory, db: home.db }).load('model', { verify: true }),
      'CORRUPT_FILE',
    );
  });

  // Finding 8: rollback to a version whose file is missing reported success and made an unloadable latest version.
  it('finding 8: rollback to a version whose file is missing fails with CORRUPT_FILE and saves nothing', async () => {
    const home = await openHome();
    const store = new StateStore({ directory: home.directory, db: home.db });
    const first = await store.save('run', { w: array(seededFloat32(100, 1), [100]) });
    await store.save('run', { w: array(seededFloat32(100, 2), [100]) });
    rmSync(path.join(home.directory, first.file));
    const fresh = new StateStore({ directory: home.directory, db: home.db, cacheBytes: 0 });
    const error = await expectStateError(fresh.rollback('run', 1), 'CORRUPT_FILE');
    expect(error.message).toContain(first.file);
    expect((await fresh.history('run')).map((version) => version.version)).toEqual([1, 2]);
  });

  // Finding 2: two StateStores with different databases on one folder; prune deleted the other's files.
  it('finding 2: a folder serves one database; a store on another database is refused and prunes nothing', async () => {
    const home = await openHome();
    const other = await openHome();
    const store = new StateStore({ directory: home.directory, db: home.db });
    const data = seededFloat32(100, 1);
    const saved = await store.save('model', { w: array(data, [100]) });
    const intruder = new StateStore({ directory: home.directory, db: other.db });
    const error = await expectStateError(intruder.prune({ orphanGraceMs: 0 }), 'STORE_MISMATCH');
    expect(error.message).toMatch(/another database/);
    await expectStateError(intruder.save('model', { w: array(data, [100]) }), 'STORE_MISMATCH');
    expect(statSync(path.join(home.directory, saved.file)).size).toBeGreaterThan(0);
    // The same database through a new connection is the same identity.
    const again = new StateStore({ directory: home.directory, db: home.db });
    expect(sameBits((await again.load('model', { verify: true })).tensors.w!.data, data)).toBe(true);
  });
});
