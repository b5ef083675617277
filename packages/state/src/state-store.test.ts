import { sqliteHome } from './test-support/databases.js';
import { describeStateStoreBehaviour } from './test-support/store-behaviour.js';

describeStateStoreBehaviour('SQLite', () => sqliteHome());
