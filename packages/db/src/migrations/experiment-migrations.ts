import { jsonColumnType, type MigrationSet } from './context.js';
import { experimentDataVersionsMigration } from './experiment-data-versions.js';

/**
 * `holomind_experiments`: one row per training run. Per-step metrics, accuracy-matrix cells and
 * alerts are not here: `@holomind/monitoring`'s `metricMigrations` own those tables, keyed by the
 * experiment id as run id.
 */
export const experimentMigrations: MigrationSet = {
  namespace: 'experiments',
  migrations: {
    '0001-experiments': {
      async up(db, context) {
        await db.schema
          .createTable('holomind_experiments')
          .addColumn('id', 'varchar(64)', (column) => column.primaryKey())
          .addColumn('name', 'text', (column) => column.notNull())
          .addColumn('status', 'varchar(16)', (column) => column.notNull())
          .addColumn('started_at', 'varchar(32)', (column) => column.notNull())
          .addColumn('ended_at', 'varchar(32)')
          .addColumn('hyperparameters', jsonColumnType(context), (column) => column.notNull())
          .addColumn('metrics', jsonColumnType(context), (column) => column.notNull())
          .execute();
        await db.schema
          .createIndex('holomind_experiments_name')
          .on('holomind_experiments')
          .columns(['name', 'started_at'])
          .execute();
      },
      async down(db) {
        await db.schema.dropTable('holomind_experiments').execute();
      },
    },
    '0002-data-versions': experimentDataVersionsMigration,
    '0003-experiment-owner': {
      async up(db) {
        await db.schema.alterTable('holomind_experiments').addColumn('owner', 'varchar(200)').execute();
      },
      async down(db) {
        await db.schema.alterTable('holomind_experiments').dropColumn('owner').execute();
      },
    },
  },
};
