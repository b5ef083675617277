import { jsonColumnType, type HoloMindMigration } from './context.js';

/**
 * `holomind_experiments.data_versions`: the content-hash versions (and summary statistics) of the
 * data an experiment trained on, so a result names exactly the data it came from. Nullable:
 * experiments from before it, and runs that never recorded data, hold NULL.
 */
export const experimentDataVersionsMigration: HoloMindMigration = {
  async up(db, context) {
    await db.schema.alterTable('holomind_experiments').addColumn('data_versions', jsonColumnType(context)).execute();
  },
  async down(db) {
    await db.schema.alterTable('holomind_experiments').dropColumn('data_versions').execute();
  },
};
