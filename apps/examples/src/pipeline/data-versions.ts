import type { JsonObject } from '@holomind/core';
import {
  DataManager,
  PreprocessingPipeline,
  type BenchmarkTask,
  type DataSplit,
  type PipelineState,
  type SplitStatistics,
} from '@holomind/data';
import { CliError } from '../errors.js';
import type { HolomindConfig } from '../config/schema.js';

/** One split's statistics as the experiment row keeps them: counts and feature ranges, not per-feature arrays. */
export interface SplitSummary {
  count: number;
  /** Samples per source class of the task, keyed by class. */
  samplesPerClass: Record<string, number>;
  featureMean: number;
  featureStd: number;
  featureMin: number;
  featureMax: number;
}

/** A task's entry in {@link DataVersions}. */
export interface TaskDataVersion {
  taskId: number;
  classes: number[];
  /** SHA-256 of the task's data as loaded (features, labels, every split), from the DataManager. */
  version: string;
  /** SHA-256 of the task's data after preprocessing: what the network is fed. Equal to `version` without preprocessing. */
  inputsVersion: string;
  splits: Record<string, SplitSummary>;
}

/** What an experiment row records about its data (`ExperimentRepository.recordDataVersions`). */
export interface DataVersions {
  format: 'holomind-data-versions/1';
  source: string;
  scenario: string;
  featureShape: number[];
  /** The preprocessing configuration, or null when the data is fed as loaded. */
  preprocessing: JsonObject | null;
  tasks: TaskDataVersion[];
}

const SPLITS = ['train', 'val', 'test'] as const;

function summarize(statistics: SplitStatistics, classes: number[], targetLabels: number[]): SplitSummary {
  const mean = (values: number[]) => values.reduce((sum, value) => sum + value, 0) / Math.max(values.length, 1);
  return {
    count: statistics.count,
    samplesPerClass: Object.fromEntries(classes.map((c, i) => [String(c), statistics.samplesPerClass[targetLabels[i]!] ?? 0])),
    featureMean: mean(statistics.featureMean),
    featureStd: mean(statistics.featureStd),
    featureMin: Math.min(...statistics.featureMin),
    featureMax: Math.max(...statistics.featureMax),
  };
}

function taskSplits(task: BenchmarkTask): { train: DataSplit; val: DataSplit; test: DataSplit } {
  return { train: task.train, val: task.val, test: task.test };
}

/**
 * Fits the configured preprocessing on the training splits of every task (training data only) —
 * or restores the fitted state a checkpoint saved, so evaluate and resume apply the identical
 * transform — and applies it to each task's splits. Augmentation (training splits only) is drawn
 * once per run from the pipeline's seed.
 */
export function preprocessTasks(
  config: HolomindConfig,
  tasks: BenchmarkTask[],
  saved?: PipelineState,
): { tasks: BenchmarkTask[]; state?: PipelineState } {
  if (!config.preprocessing && !saved) return { tasks };
  const pipeline = saved ? PreprocessingPipeline.fromJSON(saved) : PreprocessingPipeline.fromConfig(config.preprocessing);
  if (!saved) {
    const size = tasks[0]!.train.features.length / Math.max(tasks[0]!.train.labels.length, 1);
    const count = tasks.reduce((sum, task) => sum + task.train.labels.length, 0);
    const features = new Float32Array(count * size);
    const labels = new Int32Array(count);
    let offset = 0;
    for (const task of tasks) {
      features.set(task.train.features, offset * size);
      labels.set(task.train.labels, offset);
      offset += task.train.labels.length;
    }
    pipeline.fit({ features, labels, featureShape: [...tasks[0]!.train.featureShape] });
  }
  const transformed = tasks.map((task) => {
    const result = { ...task };
    for (const split of SPLITS) {
      result[split] = pipeline.transform(task[split], { split, augment: split === 'train', epoch: task.taskId }).split;
    }
    return result;
  });
  return { tasks: transformed, state: pipeline.toJSON() };
}

/**
 * Registers every task's data with a DataManager (validation, statistics, content-hash version)
 * and returns what the experiment row records: versions of the data as loaded and as fed.
 */
export async function registerTaskData(
  config: HolomindConfig,
  source: string,
  loaded: BenchmarkTask[],
  fed: BenchmarkTask[],
): Promise<DataVersions> {
  const manager = new DataManager();
  const fedManager = new DataManager();
  const tasks: TaskDataVersion[] = [];
  for (const [index, task] of loaded.entries()) {
    const metadata = { classes: task.classes, numClasses: task.outputSize };
    const record = await manager.addTask(task.taskId, taskSplits(task), metadata);
    const inputs = fed[index] === task ? record : await fedManager.addTask(task.taskId, taskSplits(fed[index]!), metadata);
    tasks.push({
      taskId: task.taskId,
      classes: task.classes,
      version: record.current.version,
      inputsVersion: inputs.current.version,
      splits: Object.fromEntries(
        SPLITS.map((split) => [split, summarize(inputs.current.statistics[split]!, task.classes, task.targetLabels)]),
      ),
    });
  }
  return {
    format: 'holomind-data-versions/1',
    source,
    scenario: loaded[0]?.scenario ?? 'task-incremental',
    featureShape: [...(loaded[0]?.train.featureShape ?? [])],
    preprocessing: (config.preprocessing as JsonObject | undefined) ?? null,
    tasks,
  };
}

/**
 * On resume: the data must be what the run started with, bit for bit after preprocessing, or the
 * continued run would learn from other inputs than the checkpoint's.
 */
export function checkDataUnchanged(recorded: DataVersions | null, current: DataVersions): void {
  if (!recorded) return;
  for (const task of recorded.tasks) {
    const now = current.tasks.find((candidate) => candidate.taskId === task.taskId);
    if (now && (now.version !== task.version || now.inputsVersion !== task.inputsVersion)) {
      const which = now.version !== task.version ? 'data' : 'preprocessed inputs';
      throw new CliError(
        'DATA_CHANGED',
        `Task ${task.taskId + 1}'s ${which} changed since the run started (${current.source}): version ` +
          `${(which === 'data' ? task.version : task.inputsVersion).slice(0, 12)} recorded, ${(which === 'data' ? now.version : now.inputsVersion).slice(0, 12)} now. ` +
          'Restore the data the run trained on, or start a new run with `holomind train`.',
      );
    }
  }
}
