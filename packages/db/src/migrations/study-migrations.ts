import { sql } from 'kysely';
import { jsonColumnType, type MigrationSet } from './context.js';

/**
 * Hyperparameter studies (`holomind sweep`): `holomind_studies` (one search), `holomind_trials` (one
 * configuration of it, with its objective over seeds and its pruning state) and
 * `holomind_trial_runs` (one seed of a trial, linked to its experiment and checkpoint folder).
 * A separate set so it migrates beside the experiment tables without reshaping them; apply it
 * after `experimentMigrations` (runs reference experiments by id).
 */
export const studyMigrations: MigrationSet = {
  namespace: 'studies',
  migrations: {
    '0001-studies': {
      async up(db, context) {
        await db.schema
          .createTable('holomind_studies')
          .addColumn('id', 'varchar(64)', (column) => column.primaryKey())
          .addColumn('name', 'varchar(200)', (column) => column.notNull())
          .addColumn('status', 'varchar(16)', (column) => column.notNull())
          .addColumn('sampler', 'varchar(16)', (column) => column.notNull())
          .addColumn('objective', 'varchar(64)', (column) => column.notNull())
          .addColumn('definition', jsonColumnType(context), (column) => column.notNull())
          .addColumn('created_at', 'varchar(32)', (column) => column.notNull())
          .addColumn('ended_at', 'varchar(32)')
          .execute();
        await db.schema.createIndex('holomind_studies_name').on('holomind_studies').columns(['name', 'created_at']).execute();
        await db.schema
          .createTable('holomind_trials')
          .addColumn('id', 'varchar(64)', (column) => column.primaryKey())
          .addColumn('study_id', 'varchar(64)', (column) =>
            column.notNull().references('holomind_studies.id').onDelete('cascade'),
          )
          .addColumn('number', 'integer', (column) => column.notNull())
          .addColumn('params', jsonColumnType(context), (column) => column.notNull())
          .addColumn('status', 'varchar(16)', (column) => column.notNull())
          .addColumn('value', sql`double precision`)
          .addColumn('intermediate', jsonColumnType(context), (column) => column.notNull())
          .addColumn('created_at', 'varchar(32)', (column) => column.notNull())
          .addColumn('ended_at', 'varchar(32)')
          .addUniqueConstraint('holomind_trials_study_number', ['study_id', 'number'])
          .execute();
        await db.schema
          .createTable('holomind_trial_runs')
          .addColumn('trial_id', 'varchar(64)', (column) => column.notNull().references('holomind_trials.id').onDelete('cascade'))
          .addColumn('seed', 'integer', (column) => column.notNull())
          .addColumn('experiment_id', 'varchar(64)')
          .addColumn('run_database', 'text', (column) => column.notNull())
          .addColumn('checkpoint_dir', 'text', (column) => column.notNull())
          .addColumn('tasks_done', 'integer', (column) => column.notNull())
          .addColumn('matrix', jsonColumnType(context), (column) => column.notNull())
          .addColumn('segments', 'integer', (column) => column.notNull())
          .addColumn('updated_at', 'varchar(32)', (column) => column.notNull())
          .addPrimaryKeyConstraint('holomind_trial_runs_pk', ['trial_id', 'seed'])
          .execute();
      },
      async down(db) {
        await db.schema.dropTable('holomind_trial_runs').execute();
        await db.schema.dropTable('holomind_trials').execute();
        await db.schema.dropTable('holomind_studies').execute();
      },
    },
  },
};
