import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createHash } from 'node:crypto';
import { existsSync, rmSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { tensorsLeakedBy } from '@holomind/testing';
import { StateError } from '../errors.js';
import { StateStore } from '../state-store.js';
import type { NamedArray, StateTypedArray } from '../tensors.js';
import type { StateStoreOptions } from '../types.js';
import type { TestStoreHome } from './databases.js';
import { seededFloat32, seededInt32 } from './fixtures.js';

/** Bitwise equality of two typed arrays (NaN payloads and -0 included). */
export function sameBits(actual: ArrayBufferView, expected: ArrayBufferView): boolean {
  const a = new Uint8Array(actual.buffer, actual.byteOffset, actual.byteLength);
  const b = new Uint8Array(expected.buffer, expected.byteOffset, expected.byteLength);
  return actual.constructor === expected.constructor && Buffer.compare(a, b) === 0;
}

/** Independent SHA-256 of dtype, shape and bytes, as the store documents it. */
function referenceHash(dtype: string, shape: number[], data: ArrayBufferView): string {
  return createHash('sha256')
    .update(`${dtype}\n${JSON.stringify(shape)}\n`)
    .update(Buffer.from(data.buffer, data.byteOffset, data.byteLength))
    .digest('hex');
}

export async function expectStateError(promise: Promise<unknown>, code: string): Promise<StateError> {
  const error = await promise.then(
    () => undefined,
    (caught: unknown) => caught,
  );
  expect(StateError.isInstance(error), `expected StateError ${code}, got ${String(error)}`).toBe(true);
  expect((error as StateError).code).toBe(code);
  return error as StateError;
}

const expectedDtypes: Record<string, string> = {
  Float32Array: 'float32',
  Float64Array: 'float64',
  Int32Array: 'int32',
  Int16Array: 'int16',
  Int8Array: 'int8',
  Uint32Array: 'uint32',
  Uint16Array: 'uint16',
  Uint8Array: 'uint8',
};

function array(data: StateTypedArray, shape: number[]): NamedArray {
  return { data, shape };
}

/** StateStore behaviour, registered once per metadata database (SQLite, PostgreSQL). */
export function describeStateStoreBehaviour(label: string, openHome: () => Promise<TestStoreHome>): void {
  describe(`StateStore on ${label}`, () => {
    const homes: TestStoreHome[] = [];
    async function openStore(options: Partial<StateStoreOptions> = {}): Promise<{ store: StateStore; home: TestStoreHome }> {
      const home = await openHome();
      homes.push(home);
      return { store: new StateStore({ directory: home.directory, db: home.db, ...options }), home };
    }
    beforeAll(async () => {
      await tf.setBackend('cpu');
    });
    afterEach(async () => {
      await Promise.all(homes.splice(0).map((home) => home.close()));
    });

    it('round-trips tfjs tensors, typed arrays of every dtype and JSON values bit-exactly, leaking no tensor', async () => {
      const { store } = await openStore();
      const weights = tf.tensor2d([
        [1.5, -0, Number.NaN, Number.POSITIVE_INFINITY],
        [3.4028234663852886e38, 1e-45, -2, 0.1],
      ]);
      const steps = tf.tensor1d([1, -2, 2147483647], 'int32');
      const mask = tf.tensor1d([true, false, true], 'bool');
      const named: Record<string, NamedArray> = {
        'memory/images': array(seededFloat32(2 * 3 * 5, 11), [2, 3, 5]),
        'memory/labels': array(seededInt32(7, 12), [7]),
        f64: array(Float64Array.of(Math.PI, -Number.MIN_VALUE), [2]),
        i16: array(Int16Array.of(-32768, 32767), [1, 2]),
        i8: array(Int8Array.of(-128, 127, 0), [3]),
        u32: array(Uint32Array.of(4294967295, 0), [2]),
        u16: array(Uint16Array.of(65535), [1]),
        u8: array(Uint8Array.of(0, 255), [2]),
        flags: { data: Uint8Array.of(1, 0), shape: [2], dtype: 'bool' },
        scalar: array(Float32Array.of(42.5), []),
        empty: array(new Float32Array(0), [0, 3]),
      };
      const values = { task: 3, config: { lambda: 400, layers: [784, 256, 10] }, label: 'ünïcode ✓', nothing: null };
      const leaked = await tensorsLeakedBy(async () => {
        const saved = await store.save(
          'mnist-ewc',
          { 'dense/kernel': weights, 'dense/steps': steps, 'dense/mask': mask, ...named, ...values },
          { description: 'after task 3', metrics: { accuracy: 0.97 }, tags: ['task-3'] },
        );
        expect(saved).toMatchObject({ stateId: 'mnist-ewc', version: 1, tensorCount: 14, reusedBytes: 0 });
      });
      expect(leaked).toBe(0);

      const loaded = await store.load('mnist-ewc');
      expect(loaded.version).toBe(1);
      expect(loaded.values).toEqual(values);
      expect(sameBits(loaded.tensors['dense/kernel']!.data, await weights.data())).toBe(true);
      expect(loaded.tensors['dense/kernel']!.shape).toEqual([2, 4]);
      expect(sameBits(loaded.tensors['dense/steps']!.data, await steps.data())).toBe(true);
      expect(loaded.tensors['dense/mask']).toMatchObject({ dtype: 'bool', shape: [3] });
      expect([...loaded.tensors['dense/mask']!.data]).toEqual([1, 0, 1]);
      for (const [name, entry] of Object.entries(named)) {
        const restored = loaded.tensors[name]!;
        expect(sameBits(restored.data, entry.data), name).toBe(true);
        expect(restored.shape, name).toEqual(entry.shape);
        expect(restored.dtype, name).toBe(entry.dtype ?? expectedDtypes[entry.data.constructor.name]);
      }
      const metadata = await store.metadata('mnist-ewc', { tag: 'task-3' });
      expect(metadata).toMatchObject({
        version: 1,
        description: 'after task 3',
        metrics: { accuracy: 0.97 },
        tags: ['task-3'],
        restoredFrom: null,
      });
      const images = metadata.tensors.find((tensor) => tensor.name === 'memory/images')!;
      expect(images).toEqual({
        name: 'memory/images',
        dtype: 'float32',
        shape: [2, 3, 5],
        byteLength: 120,
        hash: referenceHash('float32', [2, 3, 5], named['memory/images']!.data),
      });
      tf.dispose([weights, steps, mask]);
    });

    it('writes repeats inside a save once, and gives every version a file of its own', async () => {
      const { store, home } = await openStore();
      const frozen = seededFloat32(64 * 1024, 1); // 256 KiB, never changes
      const first = await store.save('model', {
        frozen: array(frozen, [64, 1024]),
        head: array(seededFloat32(1000, 2), [1000]),
        copy: array(frozen.slice(), [64, 1024]),
      });
      expect(first.writtenBytes).toBe(frozen.byteLength + 4000);
      expect(first.reusedBytes).toBe(frozen.byteLength);
      const second = await store.save('model', {
        frozen: array(frozen, [64, 1024]),
        head: array(seededFloat32(1000, 3), [1000]),
      });
      // Content already stored elsewhere is written again: no version depends on another's file.
      expect(second).toMatchObject({ version: 2, writtenBytes: frozen.byteLength + 4000, reusedBytes: 0 });
      const other = await store.save('other-model', { shared: array(frozen, [64, 1024]) });
      expect(other.writtenBytes).toBe(frozen.byteLength);
      // The same bytes with another shape are other content.
      const reshaped = await store.save('other-model', { shared: array(frozen, [1024, 64]) });
      expect(reshaped.writtenBytes).toBe(frozen.byteLength);

      const fileSize = (file: string) => statSync(path.join(home.directory, file)).size;
      expect(fileSize(first.file)).toBeGreaterThan(frozen.byteLength);
      expect(fileSize(second.file)).toBeGreaterThan(frozen.byteLength);
      expect(fileSize(other.file)).toBeGreaterThan(frozen.byteLength);
      const blobs = await home.db.selectFrom('holomind_state_blobs').select('hash').execute();
      expect(blobs).toHaveLength(4);

      for (const [stateId, version, name] of [
        ['model', 1, 'copy'],
        ['model', 2, 'frozen'],
        ['other-model', 1, 'shared'],
      ] as const) {
        const loaded = await store.load(stateId, { version, verify: true });
        expect(sameBits(loaded.tensors[name]!.data, frozen), `${stateId} v${version} ${name}`).toBe(true);
      }
    });

    it('lists states, moves tags, and rolls back by appending a version with the old content', async () => {
      const { store } = await openStore();
      const contents = [1, 2, 3].map((seed) => seededFloat32(500, seed));
      for (const [index, data] of contents.entries()) {
        await store.save(
          'agent',
          { policy: array(data, [500]), step: index },
          { metrics: { reward: index * 10 }, tags: index === 0 ? ['best'] : [] },
        );
      }
      await store.save('critic', { value: array(Float32Array.of(1), [1]) });
      const states = await store.list();
      expect(states.map(({ stateId, latestVersion, versionCount }) => ({ stateId, latestVersion, versionCount }))).toEqual([
        { stateId: 'agent', latestVersion: 3, versionCount: 3 },
        { stateId: 'critic', latestVersion: 1, versionCount: 1 },
      ]);
      await store.tag('agent', 2, 'best');
      await store.tag('agent', 3, 'latest-good');
      const history = await store.history('agent');
      expect(history.map(({ version, tags, metrics }) => ({ version, tags, metrics }))).toEqual([
        { version: 1, tags: [], metrics: { reward: 0 } },
        { version: 2, tags: ['best'], metrics: { reward: 10 } },
        { version: 3, tags: ['latest-good'], metrics: { reward: 20 } },
      ]);
      expect(sameBits((await store.load('agent', { tag: 'best' })).tensors.policy!.data, contents[1]!)).toBe(true);
      await store.untag('agent', 'latest-good');
      await expectStateError(store.load('agent', { tag: 'latest-good' }), 'NOT_FOUND');
      await expectStateError(store.untag('agent', 'latest-good'), 'NOT_FOUND');
      await expectStateError(store.tag('agent', 9, 'nope'), 'NOT_FOUND');

      const restored = await store.rollback('agent', 1);
      expect(restored).toMatchObject({ version: 4, writtenBytes: 2000, reusedBytes: 0 });
      const latest = await store.load('agent');
      expect(latest.version).toBe(4);
      expect(sameBits(latest.tensors.policy!.data, contents[0]!)).toBe(true);
      expect(latest.values).toEqual({ step: 0 });
      expect(latest.metadata).toMatchObject({ restoredFrom: 1, description: 'rollback to version 1', metrics: { reward: 0 } });
      await expectStateError(store.rollback('agent', 99), 'NOT_FOUND');
      await expectStateError(store.load('ghost'), 'NOT_FOUND');
      await expectStateError(store.load('agent', { version: 7 }), 'NOT_FOUND');
    });

    it('diffs two versions with change norms matching a float64 reference', async () => {
      const { store } = await openStore();
      const base = seededFloat32(4096, 5);
      const changed = base.slice();
      for (let i = 0; i < changed.length; i += 7) changed[i] = changed[i]! * 1.5 + 0.25;
      const same = seededFloat32(100, 6);
      await store.save('net', {
        w: array(base, [64, 64]),
        same: array(same, [100]),
        gone: array(Float32Array.of(1), [1]),
        grows: array(new Float32Array(4), [4]),
        epoch: 1,
        lr: 0.1,
      });
      await store.save('net', {
        w: array(changed, [64, 64]),
        same: array(same, [100]),
        fresh: array(Float32Array.of(2), [1]),
        grows: array(new Float32Array(6), [6]),
        epoch: 2,
        lr: 0.1,
      });
      const diff = await store.diff({ stateId: 'net', version: 1 }, { stateId: 'net' });
      expect(diff.from).toEqual({ stateId: 'net', version: 1 });
      expect(diff.to).toEqual({ stateId: 'net', version: 2 });
      let squares = 0;
      let baseSquares = 0;
      let maxAbs = 0;
      for (let i = 0; i < base.length; i++) {
        const delta = Number(changed[i]) - Number(base[i]);
        squares += delta * delta;
        baseSquares += Number(base[i]) ** 2;
        maxAbs = Math.max(maxAbs, Math.abs(delta));
      }
      const w = diff.tensors.find((tensor) => tensor.name === 'w')!;
      expect(w.status).toBe('changed');
      expect(w.l2).toBeCloseTo(Math.sqrt(squares), 12);
      expect(w.relativeL2).toBeCloseTo(Math.sqrt(squares) / Math.sqrt(baseSquares), 12);
      expect(w.maxAbs).toBe(maxAbs);
      expect(diff.tensors.map(({ name, status }) => [name, status])).toEqual([
        ['fresh', 'added'],
        ['gone', 'removed'],
        ['grows', 'reshaped'],
        ['same', 'unchanged'],
        ['w', 'changed'],
      ]);
      expect(diff.values).toEqual([
        { name: 'epoch', status: 'changed' },
        { name: 'lr', status: 'unchanged' },
      ]);
    });

    it("prunes by retention policy, deletes each removed version's own file, and sweeps crash leftovers", async () => {
      const { store, home } = await openStore();
      const frozen = seededFloat32(10_000, 9);
      const saved = [];
      for (let index = 0; index < 5; index++) {
        saved.push(
          await store.save(
            'run',
            { frozen: array(frozen, [10_000]), moving: array(seededFloat32(1000, 100 + index), [1000]) },
            { tags: index === 1 ? ['keep-me'] : [] },
          ),
        );
      }
      await expectStateError(store.prune({ keepLast: 0 }), 'INVALID_ARGUMENT');
      const report = await store.prune({ keepLast: 2 });
      expect(report.removedVersions).toEqual([
        { stateId: 'run', version: 3 },
        { stateId: 'run', version: 1 },
      ]);
      // Every version holds its own copy of the frozen tensor, so both files go.
      expect(report.removedFiles.sort()).toEqual([saved[0]!.file, saved[2]!.file].sort());
      expect(existsSync(path.join(home.directory, saved[0]!.file))).toBe(false);
      expect(existsSync(path.join(home.directory, saved[2]!.file))).toBe(false);
      expect(report.freedBytes).toBeGreaterThan(4000);
      expect((await store.history('run')).map((version) => version.version)).toEqual([2, 4, 5]);
      for (const version of [2, 4, 5]) {
        const loaded = await store.load('run', { version, verify: true });
        expect(sameBits(loaded.tensors.frozen!.data, frozen)).toBe(true);
        expect(sameBits(loaded.tensors.moving!.data, seededFloat32(1000, 100 + version - 1))).toBe(true);
      }

      // A crash between publishing a file and committing its row leaves an unreferenced file.
      const orphan = path.join(home.directory, 'run', 'lost-0.h5');
      const temporary = path.join(home.directory, 'run', '.tmp-lost.h5');
      writeFileSync(orphan, 'x');
      writeFileSync(temporary, 'y');
      expect((await store.prune()).removedFiles).toEqual([]); // younger than the grace period
      const sweep = await store.prune({ olderThan: new Date(0), orphanGraceMs: 0 });
      expect(sweep.removedVersions).toEqual([]);
      expect(sweep.removedFiles.sort()).toEqual(['run/.tmp-lost.h5', 'run/lost-0.h5']);

      const all = await store.prune({ keepLast: 1, keepTagged: false, orphanGraceMs: 0 });
      expect(all.removedVersions.map((version) => version.version)).toEqual([4, 2]);
      expect(all.removedFiles.sort()).toEqual([saved[1]!.file, saved[3]!.file].sort());
      expect(sameBits((await store.load('run', { verify: true })).tensors.frozen!.data, frozen)).toBe(true);
    });

    it('never commits a row for a file that a concurrent prune swept', async () => {
      const home = await openHome();
      homes.push(home);
      const sweeper = new StateStore({ directory: home.directory, db: home.db });
      const sweeps: string[][] = [];
      let attempts = 0;
      const store = new StateStore({
        directory: home.directory,
        db: home.db,
        // Between publishing its file and committing, another process prunes with no grace period.
        async onSavePhase(phase) {
          if (phase !== 'file-published') return;
          attempts += 1;
          if (attempts === 1) sweeps.push((await sweeper.prune({ orphanGraceMs: 0 })).removedFiles);
          if (attempts === 2) sweeps.push((await sweeper.prune()).removedFiles); // default grace: keeps it
        },
      });
      const data = seededFloat32(1000, 77);
      const saved = await store.save('raced', { w: array(data, [1000]) });
      expect(attempts).toBe(2); // the first file was swept, the save wrote it again
      expect(sweeps[0]).toHaveLength(1);
      expect(sweeps[1]).toEqual([]);
      expect(saved.version).toBe(1);
      expect(existsSync(path.join(home.directory, saved.file))).toBe(true);
      expect(sameBits((await store.load('raced', { verify: true })).tensors.w!.data, data)).toBe(true);
    });

    it('serves repeated loads from a byte-bounded LRU cache and hands out private copies', async () => {
      const { store, home } = await openStore({ cacheBytes: 10_000 });
      const small = seededFloat32(1000, 21); // 4000 bytes
      const saved = await store.save('cached', { a: array(small, [1000]) });
      await store.save('too-big', { big: array(seededFloat32(5000, 22), [5000]) }); // 20 000 bytes
      const first = await store.load('cached');
      expect(store.cachedBytes).toBe(4000);
      await store.load('too-big');
      expect(store.cachedBytes).toBe(4000); // larger than the whole budget: not cached
      first.tensors.a!.data[0] = 123;

      // With the file gone, the tensor can only come from the cache, unchanged by the caller's edit.
      rmSync(path.join(home.directory, saved.file));
      const second = await store.load('cached');
      expect(sameBits(second.tensors.a!.data, small)).toBe(true);

      // Three more 4000-byte tensors: the least recently used one ('a') is evicted to stay in budget.
      for (const seed of [1, 2, 3]) {
        await store.save(`more-${seed}`, { t: array(seededFloat32(1000, 30 + seed), [1000]) });
        await store.load(`more-${seed}`);
        expect(store.cachedBytes).toBeLessThanOrEqual(10_000);
      }
      expect(store.cachedBytes).toBe(8000);
      await expectStateError(store.load('cached'), 'CORRUPT_FILE');
    });

    it('evicts the least recently used tensor from the cache, a cache hit counting as a use', async () => {
      const { store, home } = await openStore({ cacheBytes: 8_000 }); // room for two 4000-byte tensors
      const kept = seededFloat32(1000, 41);
      const saved = await store.save('kept', { k: array(kept, [1000]) });
      await store.load('kept');
      rmSync(path.join(home.directory, saved.file)); // from now on 'kept' loads only from the cache
      await store.save('other-1', { t: array(seededFloat32(1000, 42), [1000]) });
      await store.load('other-1'); // cache: kept, other-1
      expect(sameBits((await store.load('kept')).tensors.k!.data, kept)).toBe(true); // hit: other-1 is now oldest
      await store.save('other-2', { t: array(seededFloat32(1000, 43), [1000]) });
      await store.load('other-2'); // evicts other-1, not kept
      expect(store.cachedBytes).toBe(8000);
      expect(sameBits((await store.load('kept')).tensors.k!.data, kept)).toBe(true);
    });

    it('rejects malformed input with errors that name the fix', async () => {
      const { store } = await openStore();
      await expectStateError(store.save('x', { t: array(new Float32Array(5), [2, 3]) }), 'INVALID_TENSOR');
      await expectStateError(
        store.save('x', { t: { shape: [1], dtype: 'complex64', data: async () => new Float32Array(2) } }),
        'UNSUPPORTED_DTYPE',
      );
      await expectStateError(
        store.save('x', { a: array(new Float32Array(1), [1]), 'a/b': array(new Float32Array(1), [1]) }),
        'INVALID_TENSOR',
      );
      await expectStateError(store.save('x', { '../escape': array(new Float32Array(1), [1]) }), 'INVALID_TENSOR');
      await expectStateError(
        store.save('x', { t: array(new Float32Array(1), [1]) }, { metrics: { loss: Number.NaN } }),
        'INVALID_ARGUMENT',
      );
      await expectStateError(store.save('x', { when: new Date() as never }), 'INVALID_ARGUMENT');
      const disposed = tf.scalar(1);
      disposed.dispose();
      await expectStateError(store.save('x', { t: disposed }), 'INVALID_TENSOR');
      expect(await store.list()).toEqual([]);
    });
  });
}
