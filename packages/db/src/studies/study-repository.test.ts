import { describe, expect, it } from 'vitest';
import { openSqlTarget, sharedPostgresServer, SQL_TARGET_DIALECTS } from '@holomind/testing/sql-targets';
import { createDatabase } from '../create-database.js';
import { migrateDownAll, migrateToLatest } from '../migrate.js';
import { experimentMigrations } from '../migrations/experiment-migrations.js';
import { studyMigrations } from '../migrations/study-migrations.js';
import { StudyRepository } from './study-repository.js';

const postgres = sharedPostgresServer();
const sets = { migrations: [experimentMigrations, studyMigrations] };

describe.each(SQL_TARGET_DIALECTS)('StudyRepository on %s', (dialect) => {
  it('stores a study, its trials and their runs, and counts each recorded segment', async () => {
    const target = await openSqlTarget(dialect, createDatabase, postgres);
    try {
      expect(await migrateToLatest(target.handle, sets)).toContain('studies/0001-studies');
      const studies = new StudyRepository(target.handle);
      const study = await studies.createStudy({
        name: 'ewc-lambda',
        sampler: 'grid',
        objective: 'accuracy',
        definition: { seeds: [1, 2] },
      });
      const second = await studies.createTrial(study.id, 1, { 'ewc.lambda': 1000 });
      const first = await studies.createTrial(study.id, 0, { 'ewc.lambda': 10 });
      await studies.recordRun(first.id, {
        seed: 2,
        experimentId: 'e2',
        runDatabase: 'sqlite:/runs/db',
        checkpointDir: '/runs/0-2',
        tasksDone: 1,
        matrix: [[0.9]],
      });
      await studies.recordRun(first.id, {
        seed: 1,
        experimentId: 'e1',
        runDatabase: 'sqlite:/runs/db',
        checkpointDir: '/runs/0-1',
        tasksDone: 1,
        matrix: [[0.8]],
      });
      await studies.recordRun(first.id, {
        seed: 1,
        experimentId: 'e1',
        runDatabase: 'sqlite:/runs/db',
        checkpointDir: '/runs/0-1',
        tasksDone: 2,
        matrix: [[0.8], [0.7, 0.95]],
      });
      // The same segment recorded again (a job delivered twice) is not counted twice.
      await studies.recordRun(first.id, {
        seed: 1,
        experimentId: 'e1',
        runDatabase: 'sqlite:/runs/db',
        checkpointDir: '/runs/0-1',
        tasksDone: 2,
        matrix: [[0.8], [0.7, 0.95]],
      });
      await studies.updateTrial(second.id, { status: 'pruned', value: 0.5, intermediate: { '1': 0.5 } });

      const trials = await studies.listTrials(study.id);
      expect(trials.map((trial) => [trial.number, trial.status, trial.value])).toEqual([
        [0, 'running', null],
        [1, 'pruned', 0.5],
      ]);
      expect(trials[0]!.runs).toEqual([
        {
          seed: 1,
          experimentId: 'e1',
          runDatabase: 'sqlite:/runs/db',
          checkpointDir: '/runs/0-1',
          tasksDone: 2,
          matrix: [[0.8], [0.7, 0.95]],
          segments: 2,
        },
        {
          seed: 2,
          experimentId: 'e2',
          runDatabase: 'sqlite:/runs/db',
          checkpointDir: '/runs/0-2',
          tasksDone: 1,
          matrix: [[0.9]],
          segments: 1,
        },
      ]);
      expect(trials[1]!.intermediate).toEqual({ '1': 0.5 });
      expect(trials[1]!.endedAt).toBeInstanceOf(Date);
      expect((await studies.finishStudy(study.id)).status).toBe('completed');
      expect((await studies.listStudies('ewc-lambda')).map((entry) => entry.id)).toEqual([study.id]);
      await expect(studies.createTrial(study.id, 0, {})).rejects.toThrow();
      await expect(studies.getStudy('missing')).rejects.toMatchObject({ code: 'NOT_FOUND' });
      await expect(studies.updateTrial(first.id, { value: Number.NaN })).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
      expect(await migrateDownAll(target.handle, sets)).toContain('studies/0001-studies');
    } finally {
      await target.close();
    }
  });
});
