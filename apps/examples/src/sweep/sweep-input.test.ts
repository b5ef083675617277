import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { createDatabase, StudyRepository } from '@holomind/db';
import { expectErrorCode } from '@holomind/testing';
import { CliError } from '../errors.js';
import { sweepCommand } from './sweep-commands.js';
import { configurationKeys, parseStudy } from './study-spec.js';
import { silentStudyProgress } from './study-progress.js';

const workspace = mkdtempSync(path.join(os.tmpdir(), 'holomind-sweep-input-'));
const study = (extra: Record<string, unknown> = {}) => ({
  name: 'bad',
  base: { benchmark: 'permuted-mnist', strategy: 'ewc', training: { tasks: 2 } },
  space: { 'ewc.lambda': { values: [1, 10] } },
  budget: 2,
  ...extra,
});

function studyFile(name: string, extra: Record<string, unknown> = {}): string {
  const file = path.join(workspace, `${name}.yaml`);
  writeFileSync(file, JSON.stringify(study(extra)));
  return file;
}

describe('holomind sweep refuses bad input before any trial starts', () => {
  it('an unreachable Redis: QUEUE_UNREACHABLE, and no study database or trial folder is created', async () => {
    const output = path.join(workspace, 'no-redis');
    const error = await expectErrorCode(
      sweepCommand(studyFile('no-redis'), { queue: 'redis://127.0.0.1:1', output }, silentStudyProgress),
      CliError,
      'QUEUE_UNREACHABLE',
    );
    expect(error.message).toMatch(/redis:\/\/127\.0\.0\.1:1.*No trial was started/);
    expect(existsSync(output)).toBe(false);
  });

  it('an unreachable PostgreSQL: DATABASE_UNREACHABLE, and no trial folder is created', async () => {
    const output = path.join(workspace, 'no-postgres');
    const error = await expectErrorCode(
      sweepCommand(
        studyFile('no-postgres'),
        { db: 'postgres://holomind:secret@127.0.0.1:1/holomind', output },
        silentStudyProgress,
      ),
      CliError,
      'DATABASE_UNREACHABLE',
    );
    expect(error.message).not.toContain('secret');
    expect(existsSync(path.join(output, 'bad', 'trials'))).toBe(false);
  });

  it('an unknown configuration key in the search space: names the key and the allowed ones', async () => {
    const { message } = await expectErrorCode(
      (async () => parseStudy(study({ space: { 'ewc.lamda': { values: [1, 10] } } }), 'study.yaml'))(),
      CliError,
      'STUDY_INVALID',
    );
    expect(message).toContain("unknown configuration key 'ewc.lamda'");
    expect(message).toContain('ewc.lambda');
    expect(message).toContain('replay.budget');
    expect(configurationKeys()).toContain('training.learningRate');
  });

  it('an empty search space, a budget of 0, a seed in the space or a value the configuration refuses', async () => {
    const failure = async (input: Record<string, unknown>) =>
      (await expectErrorCode((async () => parseStudy(study(input), 'study.yaml'))(), CliError, 'STUDY_INVALID')).message;
    expect(await failure({ space: {} })).toMatch(/search space is empty/);
    expect(await failure({ budget: 0 })).toMatch(/budget must be at least 1 trial, got 0/);
    expect(await failure({ space: { seed: { values: [1, 2] } } })).toMatch(/'space\.seed' cannot be searched.*seeds:/);
    expect(await failure({ space: { 'ewc.lambda': { values: [-1] } } })).toMatch(/ewc\.lambda/);
    expect(await failure({ space: { 'ewc.lambda': { uniform: [1, 10] } } })).toMatch(/grid sampler needs `values:` lists/);
    expect(await failure({ pruner: { rule: 'median', atTasks: [2] } })).toMatch(/atTasks must be below training\.tasks \(2\)/);
  });
});

describe('holomind sweep reports failed jobs', () => {
  it('a job that fails marks its trial failed, and the sweep ends with STUDY_FAILED naming the error', async () => {
    const output = path.join(workspace, 'failing');
    const missing = path.join(workspace, 'missing.csv');
    const file = studyFile('failing', { base: { data: { path: missing }, strategy: 'ewc', training: { tasks: 2 } }, budget: 1 });
    const error = await expectErrorCode(sweepCommand(file, { output }, silentStudyProgress), CliError, 'STUDY_FAILED');
    expect(error.message).toContain("1 job(s) of study 'bad'");
    expect(error.message).toMatch(/trial 0 seed \d+ failed: .*missing\.csv' does not exist/);
    const db = await createDatabase(`sqlite:${path.join(output, 'bad', 'holomind.db')}`);
    try {
      const studies = new StudyRepository(db);
      const [latest] = await studies.listStudies('bad');
      expect(latest!.status).toBe('failed');
      expect((await studies.listTrials(latest!.id)).map((trial) => trial.status)).toEqual(['failed']);
    } finally {
      await db.destroy();
    }
  });
});
