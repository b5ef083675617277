import type { Kysely } from 'kysely';
import { jsonType, type MigrationContext } from './context.js';

/** Experiments and their per-step training metrics. */
export const experiments = {
  async up(db: Kysely<unknown>, context: MigrationContext): Promise<void> {
    await db.schema
      .createTable('holomind_experiments')
      .addColumn('id', 'varchar(64)', (column) => column.primaryKey())
      .addColumn('name', 'text', (column) => column.notNull())
      .addColumn('status', 'varchar(16)', (column) => column.notNull())
      .addColumn('started_at', 'varchar(32)', (column) => column.notNull())
      .addColumn('ended_at', 'varchar(32)')
      .addColumn('hyperparameters', jsonType(context), (column) => column.notNull())
      .addColumn('metrics', jsonType(context), (column) => column.notNull())
      .execute();
    await db.schema.createIndex('holomind_experiments_name').on('holomind_experiments').columns(['name', 'started_at']).execute();

    await db.schema
      .createTable('holomind_training_metrics')
      .addColumn('experiment_id', 'varchar(64)', (column) =>
        column.notNull().references('holomind_experiments.id').onDelete('cascade'),
      )
      .addColumn('task', 'integer', (column) => column.notNull())
      .addColumn('step', 'integer', (column) => column.notNull())
      .addColumn('name', 'varchar(200)', (column) => column.notNull())
      .addColumn('value', 'double precision', (column) => column.notNull())
      .addColumn('recorded_at', 'varchar(32)', (column) => column.notNull())
      .addPrimaryKeyConstraint('holomind_training_metrics_pk', ['experiment_id', 'task', 'step', 'name'])
      .execute();
    await db.schema
      .createIndex('holomind_training_metrics_by_name')
      .on('holomind_training_metrics')
      .columns(['name', 'experiment_id'])
      .execute();
  },
  async down(db: Kysely<unknown>): Promise<void> {
    await db.schema.dropTable('holomind_training_metrics').execute();
    await db.schema.dropTable('holomind_experiments').execute();
  },
};
