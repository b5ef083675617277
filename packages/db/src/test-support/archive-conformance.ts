import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import os from 'node:os';
import { expectErrorCode } from '@holomind/testing';
import type { ArchiveStore } from '../archives/archive-store.js';
import { DatabaseError } from '../errors.js';

/** An ArchiveStore on a fresh database, and how to throw it away. */
export interface OpenedArchive {
  store: ArchiveStore;
  close(): Promise<void>;
}

function expectCode(promise: Promise<unknown>, code: DatabaseError['code']): Promise<DatabaseError> {
  return expectErrorCode(promise, DatabaseError, code);
}

/** The ArchiveStore half of the conformance suite, run against SQLite, PostgreSQL and (when reachable) MongoDB. */
export function describeArchiveConformance(
  backend: string,
  open: () => Promise<OpenedArchive>,
  options: { skipReason?: string } = {},
): void {
  const suite = options.skipReason ? describe.skip : describe;
  if (options.skipReason) console.warn(`SKIPPED ArchiveStore on ${backend}: ${options.skipReason}`);
  suite(`ArchiveStore on ${backend}`, () => {
    let opened: OpenedArchive;
    let store: ArchiveStore;
    beforeAll(async () => {
      opened = await open();
      store = opened.store;
    });
    afterAll(() => opened?.close());

    it('links each saved version of an architecture to the previous one', async () => {
      const documents = [1, 2, 3].map((width) => ({
        layers: [784, 128 * width, 10],
        activation: 'relu',
        dropout: 0.1 * width,
        meta: { note: 'ü ✓', nested: [[1, 2], [3]] },
      }));
      const v1 = await store.saveArchitecture({ name: 'mlp', document: documents[0]!, description: 'baseline' });
      const v2 = await store.saveArchitecture({ name: 'mlp', document: documents[1]! });
      const v3 = await store.saveArchitecture({ name: 'mlp', document: documents[2]! });
      const other = await store.saveArchitecture({ name: 'cnn', document: { filters: [32, 64] } });
      expect([v1.version, v2.version, v3.version, other.version]).toEqual([1, 2, 3, 1]);
      expect([v1.previousId, v2.previousId, v3.previousId, other.previousId]).toEqual([null, v1.id, v2.id, null]);

      const chain = await store.evolution(v3.id);
      expect(chain.map((record) => record.id)).toEqual([v1.id, v2.id, v3.id]);
      expect(chain.map((record) => record.document)).toEqual(documents);
      expect(chain[0]!.description).toBe('baseline');
      expect((await store.evolution(v2.id)).map((record) => record.version)).toEqual([1, 2]);
      expect((await store.getArchitecture(v2.id)).document).toEqual(documents[1]);
      expect((await store.latestArchitecture('mlp'))!.id).toBe(v3.id);
      expect(await store.latestArchitecture('never-saved')).toBeUndefined();
    });

    it('branches from an older version and rejects a link to another name', async () => {
      const root = await store.saveArchitecture({ name: 'branchy', document: { depth: 1 } });
      await store.saveArchitecture({ name: 'branchy', document: { depth: 2 } });
      const branch = await store.saveArchitecture({ name: 'branchy', document: { depth: 3 }, previousId: root.id });
      expect(branch.version).toBe(3);
      expect((await store.evolution(branch.id)).map((record) => record.document)).toEqual([{ depth: 1 }, { depth: 3 }]);
      const foreign = await store.saveArchitecture({ name: 'foreign', document: {} });
      await expectCode(store.saveArchitecture({ name: 'branchy', document: {}, previousId: foreign.id }), 'INVALID_ARGUMENT');
      await expectCode(store.getArchitecture('no-such-id'), 'NOT_FOUND');
      await expectCode(store.evolution('no-such-id'), 'NOT_FOUND');
      await expectCode(store.saveArchitecture({ name: '', document: {} }), 'INVALID_ARGUMENT');
      await expectCode(store.saveArchitecture({ name: 'x', document: { bad: Number.NaN } }), 'INVALID_ARGUMENT');
    });

    it('gives concurrent saves of one name distinct versions in one linear chain', async () => {
      const saved = await Promise.all(
        [0, 1, 2, 3, 4].map((index) => store.saveArchitecture({ name: 'raced', document: { index } })),
      );
      expect(saved.map((record) => record.version).sort()).toEqual([1, 2, 3, 4, 5]);
      const last = saved.find((record) => record.version === 5)!;
      const chain = await store.evolution(last.id);
      expect(chain.map((record) => record.version)).toEqual([1, 2, 3, 4, 5]);
    });

    it('archives training states with environment and hardware, oldest first', async () => {
      const architecture = await store.saveArchitecture({ name: 'archived', document: { layers: [2, 2] } });
      const first = await store.saveTrainingState({
        architectureId: architecture.id,
        experimentId: 'experiment-1',
        state: { stateId: 'mnist-ewc', version: 3 },
        metrics: { accuracy: 0.97 },
        description: 'after task 3',
      });
      const second = await store.saveTrainingState({
        architectureId: architecture.id,
        environment: { backend: 'wasm' },
        hardware: { gpu: 'none' },
      });
      await store.saveTrainingState({ description: 'no architecture' });

      expect(first.environment).toMatchObject({
        runtime: 'node',
        nodeVersion: process.versions.node,
        platform: process.platform,
      });
      expect(first.hardware).toMatchObject({ cpuCount: os.cpus().length, totalMemoryBytes: os.totalmem() });
      const fetched = await store.getTrainingState(first.id);
      expect(fetched).toMatchObject({
        architectureId: architecture.id,
        experimentId: 'experiment-1',
        state: { stateId: 'mnist-ewc', version: 3 },
        metrics: { accuracy: 0.97 },
        description: 'after task 3',
      });
      expect((await store.getTrainingState(second.id)).environment).toEqual({ backend: 'wasm' });
      expect((await store.listTrainingStates({ architectureId: architecture.id })).map((record) => record.id)).toEqual([
        first.id,
        second.id,
      ]);
      expect((await store.listTrainingStates({ experimentId: 'experiment-1' })).map((record) => record.id)).toEqual([first.id]);
      await expectCode(store.saveTrainingState({ architectureId: 'no-such-architecture' }), 'NOT_FOUND');
      await expectCode(store.getTrainingState('no-such-state'), 'NOT_FOUND');
    });
  });
}
