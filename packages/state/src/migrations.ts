import type { MigrationSet } from '@holomind/db';
import { jsonColumnType as jsonType } from '@holomind/db/internal';

/**
 * The tables of `@holomind/state`: versions, the content hash of each named tensor of a version,
 * where each hash's bytes live, tags, and one lock row per store. `StateStore` applies this set on
 * first use; an application composes it with the others:
 * `migrateToLatest(db, { migrations: [experimentMigrations, stateMigrations, metricMigrations] })`.
 */
export const stateMigrations: MigrationSet = {
  namespace: 'state',
  migrations: {
    '0001-state-metadata': {
      async up(db, context) {
        await db.schema
          .createTable('holomind_state_stores')
          .addColumn('name', 'varchar(200)', (column) => column.primaryKey())
          .addColumn('created_at', 'varchar(32)', (column) => column.notNull())
          .addColumn('commits', 'integer', (column) => column.notNull())
          .execute();

        await db.schema
          .createTable('holomind_state_versions')
          .addColumn('store_name', 'varchar(200)', (column) => column.notNull().references('holomind_state_stores.name'))
          .addColumn('state_id', 'varchar(200)', (column) => column.notNull())
          .addColumn('version', 'integer', (column) => column.notNull())
          .addColumn('file', 'text', (column) => column.notNull())
          .addColumn('created_at', 'varchar(32)', (column) => column.notNull())
          .addColumn('description', 'text', (column) => column.notNull())
          .addColumn('metrics', jsonType(context), (column) => column.notNull())
          .addColumn('state_values', jsonType(context), (column) => column.notNull())
          .addColumn('restored_from', 'integer')
          .addColumn('byte_length', 'double precision', (column) => column.notNull())
          .addPrimaryKeyConstraint('holomind_state_versions_pk', ['store_name', 'state_id', 'version'])
          .execute();
        await db.schema
          .createIndex('holomind_state_versions_by_file')
          .on('holomind_state_versions')
          .columns(['store_name', 'file'])
          .execute();

        await db.schema
          .createTable('holomind_state_blobs')
          .addColumn('store_name', 'varchar(200)', (column) => column.notNull().references('holomind_state_stores.name'))
          .addColumn('hash', 'varchar(128)', (column) => column.notNull())
          .addColumn('fingerprint', 'varchar(128)', (column) => column.notNull())
          .addColumn('file', 'text', (column) => column.notNull())
          .addColumn('dataset', 'text', (column) => column.notNull())
          .addColumn('dtype', 'varchar(16)', (column) => column.notNull())
          .addColumn('shape', jsonType(context), (column) => column.notNull())
          .addColumn('byte_length', 'double precision', (column) => column.notNull())
          .addPrimaryKeyConstraint('holomind_state_blobs_pk', ['store_name', 'hash'])
          .execute();
        await db.schema
          .createIndex('holomind_state_blobs_by_file')
          .on('holomind_state_blobs')
          .columns(['store_name', 'file'])
          .execute();
        await db.schema
          .createIndex('holomind_state_blobs_by_fingerprint')
          .on('holomind_state_blobs')
          .columns(['store_name', 'fingerprint'])
          .execute();

        await db.schema
          .createTable('holomind_state_version_tensors')
          .addColumn('store_name', 'varchar(200)', (column) => column.notNull())
          .addColumn('state_id', 'varchar(200)', (column) => column.notNull())
          .addColumn('version', 'integer', (column) => column.notNull())
          .addColumn('name', 'varchar(500)', (column) => column.notNull())
          .addColumn('hash', 'varchar(128)', (column) => column.notNull())
          .addPrimaryKeyConstraint('holomind_state_version_tensors_pk', ['store_name', 'state_id', 'version', 'name'])
          .addForeignKeyConstraint(
            'holomind_state_version_tensors_version_fk',
            ['store_name', 'state_id', 'version'],
            'holomind_state_versions',
            ['store_name', 'state_id', 'version'],
            (constraint) => constraint.onDelete('cascade'),
          )
          .addForeignKeyConstraint('holomind_state_version_tensors_blob_fk', ['store_name', 'hash'], 'holomind_state_blobs', [
            'store_name',
            'hash',
          ])
          .execute();
        await db.schema
          .createIndex('holomind_state_version_tensors_by_hash')
          .on('holomind_state_version_tensors')
          .columns(['store_name', 'hash'])
          .execute();

        await db.schema
          .createTable('holomind_state_tags')
          .addColumn('store_name', 'varchar(200)', (column) => column.notNull())
          .addColumn('state_id', 'varchar(200)', (column) => column.notNull())
          .addColumn('tag', 'varchar(200)', (column) => column.notNull())
          .addColumn('version', 'integer', (column) => column.notNull())
          .addColumn('created_at', 'varchar(32)', (column) => column.notNull())
          .addPrimaryKeyConstraint('holomind_state_tags_pk', ['store_name', 'state_id', 'tag'])
          .addForeignKeyConstraint(
            'holomind_state_tags_version_fk',
            ['store_name', 'state_id', 'version'],
            'holomind_state_versions',
            ['store_name', 'state_id', 'version'],
            (constraint) => constraint.onDelete('cascade'),
          )
          .execute();
      },
      async down(db) {
        for (const table of [
          'holomind_state_tags',
          'holomind_state_version_tensors',
          'holomind_state_blobs',
          'holomind_state_versions',
          'holomind_state_stores',
        ]) {
          await db.schema.dropTable(table).execute();
        }
      },
    },
    '0002-self-contained-versions': {
      // `database_id` binds a store directory to one database (its marker file records it);
      // `self_contained` = 1 marks versions whose own file holds every tensor (no links into
      // other files), so damage to one file never reaches another version.
      async up(db) {
        await db.schema.alterTable('holomind_state_stores').addColumn('database_id', 'varchar(64)').execute();
        await db.schema.alterTable('holomind_state_versions').addColumn('self_contained', 'integer').execute();
      },
      async down(db) {
        await db.schema.alterTable('holomind_state_versions').dropColumn('self_contained').execute();
        await db.schema.alterTable('holomind_state_stores').dropColumn('database_id').execute();
      },
    },
  },
};
