import type { Kysely, Selectable } from 'kysely';
import { v7 as timeOrderedId } from 'uuid';
import { isUniqueViolation, nowTimestamp, parseJsonColumn, toJsonColumn } from '../dialect.js';
import { DatabaseError } from '../errors.js';
import type { JsonObject } from '@holomind/core';
import { requireName } from '../json.js';
import type { ArchitecturesTable, Database, TrainingStatesTable } from '../schema.js';
import type {
  ArchitectureRecord,
  ArchiveStore,
  SaveArchitectureOptions,
  SaveTrainingStateOptions,
  TrainingStateQuery,
  TrainingStateRecord,
} from './archive-store.js';
import { previousArchitecture, checkArchitecture, checkTrainingState, walkChain } from './validate.js';

// Two writers saving the same name at once collide on (name, version); the loser retries.
const saveAttempts = 8;

/**
 * The SQL ArchiveStore (SQLite or PostgreSQL): documents in JSON columns, the version chain as
 * `previous_id` links, through a Kysely instance migrated with `migrateToLatest`.
 *
 * @example
 * const archive = new SqlArchiveStore(db);
 * const v1 = await archive.saveArchitecture({ name: 'mlp', document: { layers: [784, 256, 10] } });
 * const v2 = await archive.saveArchitecture({ name: 'mlp', document: { layers: [784, 512, 10] } });
 * (await archive.evolution(v2.id)).map((record) => record.version); // [1, 2]
 */
export class SqlArchiveStore implements ArchiveStore {
  constructor(private readonly db: Kysely<Database>) {}

  async saveArchitecture(options: SaveArchitectureOptions): Promise<ArchitectureRecord> {
    const checked = checkArchitecture(options);
    for (let attempt = 1; ; attempt++) {
      const { latest, previous } = await previousArchitecture(this, checked);
      const row = {
        id: timeOrderedId(),
        name: checked.name,
        version: (latest?.version ?? 0) + 1,
        previous_id: previous?.id ?? null,
        document: toJsonColumn(checked.document),
        description: checked.description,
        created_at: nowTimestamp(),
      };
      try {
        await this.db.insertInto('holomind_architectures').values(row).execute();
        return toArchitecture({ ...row, document: checked.document });
      } catch (error) {
        if (!isUniqueViolation(error) || attempt >= saveAttempts) throw error;
      }
    }
  }

  async getArchitecture(id: string): Promise<ArchitectureRecord> {
    const row = await this.db
      .selectFrom('holomind_architectures')
      .selectAll()
      .where('id', '=', requireName(id, 'Architecture id', 64))
      .executeTakeFirst();
    if (!row) throw new DatabaseError('NOT_FOUND', `No architecture with id ${JSON.stringify(id)}.`);
    return toArchitecture(row);
  }

  async latestArchitecture(name: string): Promise<ArchitectureRecord | undefined> {
    const row = await this.db
      .selectFrom('holomind_architectures')
      .selectAll()
      .where('name', '=', requireName(name, 'Architecture name'))
      .orderBy('version', 'desc')
      .limit(1)
      .executeTakeFirst();
    return row ? toArchitecture(row) : undefined;
  }

  async evolution(id: string): Promise<ArchitectureRecord[]> {
    const target = await this.getArchitecture(id);
    const rows = await this.db
      .selectFrom('holomind_architectures')
      .selectAll()
      .where('name', '=', target.name)
      .where('version', '<=', target.version)
      .execute();
    return walkChain(id, rows.map(toArchitecture));
  }

  async saveTrainingState(options: SaveTrainingStateOptions): Promise<TrainingStateRecord> {
    const checked = checkTrainingState(options);
    if (checked.architectureId !== null) await this.getArchitecture(checked.architectureId);
    const row = {
      id: timeOrderedId(),
      architecture_id: checked.architectureId,
      experiment_id: checked.experimentId,
      state_id: checked.state?.stateId ?? null,
      state_version: checked.state?.version ?? null,
      environment: toJsonColumn(checked.environment),
      hardware: toJsonColumn(checked.hardware),
      metrics: toJsonColumn(checked.metrics),
      description: checked.description,
      created_at: nowTimestamp(),
    };
    await this.db.insertInto('holomind_training_states').values(row).execute();
    return this.getTrainingState(row.id);
  }

  async getTrainingState(id: string): Promise<TrainingStateRecord> {
    const row = await this.db
      .selectFrom('holomind_training_states')
      .selectAll()
      .where('id', '=', requireName(id, 'Training state id', 64))
      .executeTakeFirst();
    if (!row) throw new DatabaseError('NOT_FOUND', `No archived training state with id ${JSON.stringify(id)}.`);
    return toTrainingState(row);
  }

  async listTrainingStates(query: TrainingStateQuery = {}): Promise<TrainingStateRecord[]> {
    let select = this.db.selectFrom('holomind_training_states').selectAll();
    if (query.architectureId !== undefined) select = select.where('architecture_id', '=', query.architectureId);
    if (query.experimentId !== undefined) select = select.where('experiment_id', '=', query.experimentId);
    const rows = await select.orderBy('created_at').orderBy('id').execute();
    return rows.map(toTrainingState);
  }
}

function toArchitecture(row: Selectable<ArchitecturesTable>): ArchitectureRecord {
  return {
    id: row.id,
    name: row.name,
    version: row.version,
    previousId: row.previous_id,
    document: parseJsonColumn<JsonObject>(row.document),
    description: row.description,
    createdAt: new Date(row.created_at),
  };
}

function toTrainingState(row: Selectable<TrainingStatesTable>): TrainingStateRecord {
  return {
    id: row.id,
    architectureId: row.architecture_id,
    experimentId: row.experiment_id,
    state: row.state_id === null || row.state_version === null ? null : { stateId: row.state_id, version: row.state_version },
    environment: parseJsonColumn<JsonObject>(row.environment),
    hardware: parseJsonColumn<JsonObject>(row.hardware),
    metrics: parseJsonColumn<Record<string, number>>(row.metrics),
    description: row.description,
    createdAt: new Date(row.created_at),
  };
}
