import { DatabaseError } from '../errors.js';
import { v7 as timeOrderedId } from 'uuid';
import { isModuleNotFound, type JsonObject } from '@holomind/core';
import { requireName } from '../json.js';
import type {
  ArchitectureRecord,
  ArchiveStore,
  SaveArchitectureOptions,
  SaveTrainingStateOptions,
  TrainingStateQuery,
  TrainingStateRecord,
} from './archive-store.js';
import { previousArchitecture, checkArchitecture, checkTrainingState, walkChain } from './validate.js';

/** The part of a `mongodb` Collection this store uses; typed structurally so the driver stays optional. */
export interface MongoCollectionLike {
  insertOne(document: Record<string, unknown>): Promise<unknown>;
  findOne(filter: Record<string, unknown>, options?: { sort?: Record<string, 1 | -1> }): Promise<Record<string, unknown> | null>;
  find(filter: Record<string, unknown>): {
    sort(sort: Record<string, 1 | -1>): { toArray(): Promise<Record<string, unknown>[]> };
  };
  createIndex(keys: Record<string, 1 | -1>, options?: { unique?: boolean; name?: string }): Promise<string>;
}

/** The part of a `mongodb` Db this store uses. */
export interface MongoDbLike {
  collection(name: string): MongoCollectionLike;
}

/** Options of {@link MongoArchiveStore.connect}. */
export interface MongoConnectOptions {
  /** Database name; defaults to the one in the URI, else `holomind`. */
  databaseName?: string;
}

interface MongoModule {
  MongoClient: new (uri: string) => { connect(): Promise<unknown>; db(name?: string): MongoDbLike; close(): Promise<void> };
}

const ARCHITECTURES = 'holomind_architectures';
const TRAINING_STATES = 'holomind_training_states';
const saveAttempts = 8;

/**
 * The MongoDB ArchiveStore: architecture and training-state documents in two collections, with a
 * unique index on (name, version) that orders concurrent saves. Takes a `Db` from the official
 * driver, or opens one with {@link MongoArchiveStore.connect}.
 *
 * @example
 * const archive = await MongoArchiveStore.connect('mongodb://127.0.0.1:27017/holomind');
 * await archive.saveArchitecture({ name: 'mlp', document: { layers: [784, 256, 10] } });
 * await archive.close();
 */
export class MongoArchiveStore implements ArchiveStore {
  private indexes: Promise<void> | undefined;

  constructor(
    private readonly db: MongoDbLike,
    private readonly onClose: () => Promise<void> = async () => {},
  ) {}

  /** Connects with the `mongodb` package (an optional peer, loaded here) and returns a store that owns the client. */
  static async connect(uri: string, options: MongoConnectOptions = {}): Promise<MongoArchiveStore> {
    let driver: MongoModule;
    try {
      // Imported here, not through core's importOptional: the bare specifier must resolve from this package.
      driver = (await import('mongodb')) as unknown as MongoModule;
    } catch (error) {
      const missing = isModuleNotFound(error, 'mongodb');
      throw new DatabaseError(
        missing ? 'DRIVER_PACKAGE_MISSING' : 'DRIVER_UNAVAILABLE',
        missing
          ? "MongoArchiveStore needs the package 'mongodb', which is not installed; npm i mongodb."
          : `The 'mongodb' package is installed but failed to load: ${(error as Error).message}`,
        { cause: error },
      );
    }
    const client = new driver.MongoClient(uri);
    await client.connect();
    const databaseName = options.databaseName ?? (new URL(uri).pathname.slice(1) || 'holomind');
    return new MongoArchiveStore(client.db(databaseName), () => client.close());
  }

  /** Closes the client opened by `connect` (nothing for a caller-supplied Db). */
  async close(): Promise<void> {
    await this.onClose();
  }

  private ensureIndexes(): Promise<void> {
    this.indexes ??= (async () => {
      await this.db.collection(ARCHITECTURES).createIndex({ name: 1, version: 1 }, { unique: true, name: 'name_version' });
      await this.db
        .collection(TRAINING_STATES)
        .createIndex({ architectureId: 1, createdAt: 1 }, { name: 'architecture_created' });
    })();
    return this.indexes;
  }

  async saveArchitecture(options: SaveArchitectureOptions): Promise<ArchitectureRecord> {
    const checked = checkArchitecture(options);
    await this.ensureIndexes();
    for (let attempt = 1; ; attempt++) {
      const { latest, previous } = await previousArchitecture(this, checked);
      const record: ArchitectureRecord = {
        id: timeOrderedId(),
        name: checked.name,
        version: (latest?.version ?? 0) + 1,
        previousId: previous?.id ?? null,
        document: checked.document,
        description: checked.description,
        createdAt: new Date(),
      };
      try {
        const { id, ...fields } = record;
        await this.db.collection(ARCHITECTURES).insertOne({ _id: id, ...fields });
        return record;
      } catch (error) {
        if ((error as { code?: unknown }).code !== 11000 || attempt >= saveAttempts) throw error;
      }
    }
  }

  async getArchitecture(id: string): Promise<ArchitectureRecord> {
    const document = await this.db.collection(ARCHITECTURES).findOne({ _id: requireName(id, 'Architecture id', 64) });
    if (!document) throw new DatabaseError('NOT_FOUND', `No architecture with id ${JSON.stringify(id)}.`);
    return toArchitecture(document);
  }

  async latestArchitecture(name: string): Promise<ArchitectureRecord | undefined> {
    const document = await this.db
      .collection(ARCHITECTURES)
      .findOne({ name: requireName(name, 'Architecture name') }, { sort: { version: -1 } });
    return document ? toArchitecture(document) : undefined;
  }

  async evolution(id: string): Promise<ArchitectureRecord[]> {
    const target = await this.getArchitecture(id);
    const documents = await this.db
      .collection(ARCHITECTURES)
      .find({ name: target.name, version: { $lte: target.version } })
      .sort({ version: 1 })
      .toArray();
    return walkChain(id, documents.map(toArchitecture));
  }

  async saveTrainingState(options: SaveTrainingStateOptions): Promise<TrainingStateRecord> {
    const checked = checkTrainingState(options);
    if (checked.architectureId !== null) await this.getArchitecture(checked.architectureId);
    const record: TrainingStateRecord = { id: timeOrderedId(), ...checked, createdAt: new Date() };
    const { id, ...fields } = record;
    await this.db.collection(TRAINING_STATES).insertOne({ _id: id, ...fields });
    return record;
  }

  async getTrainingState(id: string): Promise<TrainingStateRecord> {
    const document = await this.db.collection(TRAINING_STATES).findOne({ _id: requireName(id, 'Training state id', 64) });
    if (!document) throw new DatabaseError('NOT_FOUND', `No archived training state with id ${JSON.stringify(id)}.`);
    return toTrainingState(document);
  }

  async listTrainingStates(query: TrainingStateQuery = {}): Promise<TrainingStateRecord[]> {
    const filter: Record<string, unknown> = {};
    if (query.architectureId !== undefined) filter.architectureId = query.architectureId;
    if (query.experimentId !== undefined) filter.experimentId = query.experimentId;
    const documents = await this.db.collection(TRAINING_STATES).find(filter).sort({ createdAt: 1, _id: 1 }).toArray();
    return documents.map(toTrainingState);
  }
}

function toArchitecture(document: Record<string, unknown>): ArchitectureRecord {
  return {
    id: document._id as string,
    name: document.name as string,
    version: document.version as number,
    previousId: (document.previousId as string | null) ?? null,
    document: document.document as JsonObject,
    description: (document.description as string) ?? '',
    createdAt: document.createdAt as Date,
  };
}

function toTrainingState(document: Record<string, unknown>): TrainingStateRecord {
  return {
    id: document._id as string,
    architectureId: (document.architectureId as string | null) ?? null,
    experimentId: (document.experimentId as string | null) ?? null,
    state: (document.state as TrainingStateRecord['state']) ?? null,
    environment: document.environment as JsonObject,
    hardware: document.hardware as JsonObject,
    metrics: document.metrics as Record<string, number>,
    description: (document.description as string) ?? '',
    createdAt: document.createdAt as Date,
  };
}
