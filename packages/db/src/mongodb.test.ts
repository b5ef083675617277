import { describe, expect, it } from 'vitest';
import { MongoClient } from 'mongodb';
import { MongoArchiveStore } from './archives/mongo-archive-store.js';
import { describeArchiveConformance } from './test-support/archive-conformance.js';

// No MongoDB server can be installed on HoloMind's machines (none in Debian, and
// mongodb-memory-server downloads its binary). Point HOLOMIND_TEST_MONGODB_URI at a real server to run it.
const uri = process.env.HOLOMIND_TEST_MONGODB_URI;

describeArchiveConformance(
  'MongoDB',
  async () => {
    // The official driver's Db, passed structurally (this line also type-checks that it fits MongoDbLike).
    const client = new MongoClient(uri!);
    await client.connect();
    const db = client.db(`holomind_test_${Date.now().toString(36)}`);
    return {
      store: new MongoArchiveStore(db),
      async close() {
        await db.dropDatabase();
        await client.close();
      },
    };
  },
  uri
    ? {}
    : {
        skipReason:
          'HOLOMIND_TEST_MONGODB_URI is not set and no MongoDB server can be installed here; set it to mongodb://host:port to run this suite.',
      },
);

describe.skipIf(!uri)('MongoArchiveStore.connect', () => {
  it('opens its own client from a URI and closes it', async () => {
    const databaseName = `holomind_connect_${Date.now().toString(36)}`;
    const store = await MongoArchiveStore.connect(uri!, { databaseName });
    const saved = await store.saveArchitecture({ name: 'connect', document: { ok: true } });
    expect((await store.getArchitecture(saved.id)).document).toEqual({ ok: true });
    await store.close();
    const client = new MongoClient(uri!);
    await client.connect();
    await client.db(databaseName).dropDatabase();
    await client.close();
  });
});
