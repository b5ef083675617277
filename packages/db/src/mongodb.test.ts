import { MongoArchiveStore } from './archives/mongo-archive-store.js';
import { describeArchiveConformance } from './test-support/archive-conformance.js';

// No MongoDB server can be installed on HoloMind's machines (none in Debian, and
// mongodb-memory-server downloads its binary). Point HOLOMIND_TEST_MONGODB_URI at a real server to run it.
const uri = process.env.HOLOMIND_TEST_MONGODB_URI;

describeArchiveConformance(
  'MongoDB',
  async () => {
    const databaseName = `holomind_test_${Date.now().toString(36)}`;
    const store = await MongoArchiveStore.connect(uri!, { databaseName });
    return { store, close: () => store.close() };
  },
  uri ? {} : { skipReason: 'HOLOMIND_TEST_MONGODB_URI is not set and no MongoDB server can be installed here; set it to mongodb://host:port to run this suite.' },
);
