import path from 'node:path';
import { SeededRandom, type JsonObject } from '@holomind/core';
import { StudyRepository, type Database, type Kysely, type Trial } from '@holomind/db';
import { parseConfig } from '../config/load-config.js';
import type { TrialExecutor } from './executors.js';
import { meanAndStd, objectiveOf } from './objective.js';
import { trialsToPrune } from './pruner.js';
import { prepareRunDatabase, runDatabaseUrl } from './run-database.js';
import { sampleRandom, type SearchSpace, type TrialParams } from './search-space.js';
import { gridTrials, runConfig, type StudySpec } from './study-spec.js';
import type { StudyProgress } from './study-progress.js';
import { stopRunExperiment, type SegmentResult, type TrialJob } from './trial-job.js';
import { suggestTpe, type Observation } from './tpe.js';

/** What {@link runStudy} needs. */
export interface RunStudyOptions {
  study: StudySpec;
  /** The open study database and its URL (absolute for SQLite: workers open it too). */
  db: Kysely<Database>;
  dbUrl: string;
  /**
   * The study's folder; every run gets `trials/<study id>/<number>-seed<seed>/` in it (on storage all
   * workers reach): its checkpoints, and on SQLite its database. A folder per study, so a study run
   * again never continues the checkpoints of an earlier one.
   */
  folder: string;
  executor: TrialExecutor;
  progress: StudyProgress;
}

interface LiveTrial {
  trial: Trial;
  params: TrialParams;
  results: Map<number, SegmentResult>;
  intermediate: Record<string, number>;
}

const label = (params: TrialParams) =>
  Object.entries(params)
    .map(([key, value]) => `${key}=${typeof value === 'number' ? Number(value.toPrecision(4)) : value}`)
    .join(' ');

/** The next batch of configurations: grid order, uniform draws, or TPE on the trials decided so far. */
function propose(study: StudySpec, count: number, offset: number, random: SeededRandom, decided: Observation[]): TrialParams[] {
  if (study.sampler === 'grid') return gridTrials(study).slice(offset, offset + count);
  const space = study.space as SearchSpace;
  if (study.sampler === 'random') return Array.from({ length: count }, () => sampleRandom(space, random));
  return Array.from({ length: count }, () => suggestTpe(space, decided, random, study.tpe));
}

/**
 * Runs a study: the sampler proposes a batch of trials, every trial trains once per seed as jobs
 * on the executor (in this process, or BullMQ workers) in segments that end at the pruning
 * points; at each point the rule stops the worst trials on their mean objective over seeds. Every
 * decision is taken on a whole batch at once, so results do not depend on the number of workers
 * or the order jobs finish in. Trials, runs and decisions are written to the study database.
 * A job that fails (after the queue's retries) fails its trial; `failures` has a line per failed
 * job with its error, as the worker reported it.
 */
export async function runStudy(options: RunStudyOptions): Promise<{ studyId: string; trials: Trial[]; failures: string[] }> {
  const { study, db, dbUrl, folder, executor, progress } = options;
  const studies = new StudyRepository(db);
  const tasks = parseConfig(study.base).training.tasks;
  const rungs = study.pruner.rule === 'none' ? [] : [...new Set(study.pruner.atTasks)].sort((a, b) => a - b);
  const segmentEnds = [...rungs, tasks];
  const record = await studies.createStudy({
    name: study.name,
    sampler: study.sampler,
    objective: study.objective,
    definition: JSON.parse(JSON.stringify(study)) as JsonObject,
  });
  progress.info(
    `Study '${study.name}' (${record.id}): ${study.budget} trial(s) × ${study.seeds.length} seed(s), ${study.sampler} sampler, trials run ${executor.description}.`,
  );
  const budget = study.sampler === 'grid' ? Math.min(study.budget, gridTrials(study).length) : study.budget;
  const batchSize = study.batch ?? (study.sampler === 'tpe' ? 4 : budget);
  const random = new SeededRandom(study.samplerSeed);
  const decided: Observation[] = [];
  const failedJobs: string[] = [];
  for (let offset = 0; offset < budget; offset += batchSize) {
    const batch: LiveTrial[] = [];
    for (const [index, params] of propose(study, Math.min(batchSize, budget - offset), offset, random, decided).entries()) {
      const trial = await studies.createTrial(record.id, offset + index, params);
      batch.push({ trial, params, results: new Map(), intermediate: {} });
      progress.addTrial(trial.number, label(params), study.seeds.length * tasks);
    }
    let alive = batch;
    for (const end of segmentEnds) {
      const jobs: TrialJob[] = [];
      for (const live of alive) {
        for (const seed of study.seeds) {
          const runFolder = path.join(folder, 'trials', record.id, `${live.trial.number}-seed${seed}`);
          const runDbName = `holomind_study_${record.id.replaceAll('-', '').slice(-12)}_t${live.trial.number}_s${seed}`;
          await prepareRunDatabase(db, dbUrl, runDbName);
          const runDb = runDatabaseUrl(dbUrl, runFolder, runDbName);
          jobs.push({
            studyId: record.id,
            studyDb: dbUrl,
            trialId: live.trial.id,
            trialNumber: live.trial.number,
            seed,
            config: runConfig(study, live.params, seed, runFolder, runDb),
            stopAfterTask: end,
          });
        }
      }
      const outcomes = await executor.run(jobs, {
        onTask: (job, tasksDone) => progress.trialTasks(job.trialNumber, job.seed, tasksDone),
        info: progress.info,
      });
      const failures = new Set<number>();
      outcomes.forEach((outcome, index) => {
        const job = jobs[index]!;
        const live = alive.find((entry) => entry.trial.number === job.trialNumber)!;
        if (outcome instanceof Error) {
          failures.add(job.trialNumber);
          const line = `trial ${job.trialNumber} seed ${job.seed} failed: ${outcome.message}`;
          failedJobs.push(line);
          progress.info(line);
        } else {
          live.results.set(job.seed, outcome);
          progress.trialTasks(job.trialNumber, job.seed, outcome.tasksDone);
        }
      });
      for (const live of alive.filter((entry) => failures.has(entry.trial.number))) {
        await studies.updateTrial(live.trial.id, { status: 'failed' });
        progress.endTrial(live.trial.number, 'failed', null);
        decided.push({ params: live.params, value: -Infinity });
      }
      alive = alive.filter((entry) => !failures.has(entry.trial.number));
      const values = alive.map((live) => ({
        trialNumber: live.trial.number,
        value: meanAndStd([...live.results.values()].map((result) => objectiveOf(result.matrix, study.objective))).mean,
      }));
      for (const live of alive) {
        live.intermediate[String(end)] = values.find((entry) => entry.trialNumber === live.trial.number)!.value;
        await studies.updateTrial(live.trial.id, { intermediate: live.intermediate });
      }
      if (end === tasks) break;
      const pruned = trialsToPrune(study.pruner.rule, values, study.pruner.eta);
      for (const live of alive.filter((entry) => pruned.has(entry.trial.number))) {
        const value = live.intermediate[String(end)]!;
        await studies.updateTrial(live.trial.id, { status: 'pruned', value });
        for (const result of live.results.values()) {
          const job = jobs.find((entry) => entry.trialNumber === live.trial.number && entry.seed === result.seed)!;
          await stopRunExperiment(job.config.db, result.experimentId);
        }
        progress.endTrial(live.trial.number, `pruned after task ${end}`, value);
        // Ranked below every completed trial by TPE: an early value is not comparable with a final one.
        decided.push({ params: live.params, value: -Infinity });
      }
      alive = alive.filter((entry) => !pruned.has(entry.trial.number));
    }
    for (const live of alive) {
      const value = live.intermediate[String(tasks)]!;
      await studies.updateTrial(live.trial.id, { status: 'completed', value });
      progress.endTrial(live.trial.number, 'completed', value);
      decided.push({ params: live.params, value });
    }
  }
  await studies.finishStudy(record.id, failedJobs.length > 0 ? 'failed' : 'completed');
  return { studyId: record.id, trials: await studies.listTrials(record.id), failures: failedJobs };
}
