import { jsonColumnType, type MigrationSet } from './context.js';

/** The SQL ArchiveStore's tables: architecture documents with a version chain, and archived training states. */
export const archiveMigrations: MigrationSet = {
  namespace: 'archives',
  migrations: {
    '0001-architectures-and-training-states': {
      async up(db, context) {
        await db.schema
          .createTable('holomind_architectures')
          .addColumn('id', 'varchar(64)', (column) => column.primaryKey())
          .addColumn('name', 'varchar(200)', (column) => column.notNull())
          .addColumn('version', 'integer', (column) => column.notNull())
          .addColumn('previous_id', 'varchar(64)', (column) => column.references('holomind_architectures.id'))
          .addColumn('document', jsonColumnType(context), (column) => column.notNull())
          .addColumn('description', 'text', (column) => column.notNull())
          .addColumn('created_at', 'varchar(32)', (column) => column.notNull())
          .addUniqueConstraint('holomind_architectures_name_version', ['name', 'version'])
          .execute();

        await db.schema
          .createTable('holomind_training_states')
          .addColumn('id', 'varchar(64)', (column) => column.primaryKey())
          .addColumn('architecture_id', 'varchar(64)', (column) => column.references('holomind_architectures.id'))
          // No foreign key: the experiment may live in another database than the archive.
          .addColumn('experiment_id', 'varchar(64)')
          .addColumn('state_id', 'varchar(200)')
          .addColumn('state_version', 'integer')
          .addColumn('environment', jsonColumnType(context), (column) => column.notNull())
          .addColumn('hardware', jsonColumnType(context), (column) => column.notNull())
          .addColumn('metrics', jsonColumnType(context), (column) => column.notNull())
          .addColumn('description', 'text', (column) => column.notNull())
          .addColumn('created_at', 'varchar(32)', (column) => column.notNull())
          .execute();
        await db.schema
          .createIndex('holomind_training_states_by_architecture')
          .on('holomind_training_states')
          .columns(['architecture_id', 'created_at'])
          .execute();
      },
      async down(db) {
        await db.schema.dropTable('holomind_training_states').execute();
        await db.schema.dropTable('holomind_architectures').execute();
      },
    },
  },
};
