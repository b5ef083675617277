import { ExperimentRepository, type Experiment } from '@holomind/db';
import { CliError } from './errors.js';
import type { HolomindConfig } from './config/schema.js';
import type { DataVersions, SplitSummary } from './pipeline/data-versions.js';
import { openDatabase } from './pipeline/database.js';

const fixed = (value: number) =>
  Math.abs(value) >= 1e4 || (value !== 0 && Math.abs(value) < 1e-3) ? value.toExponential(3) : value.toFixed(4);

function splitLine(name: string, split: SplitSummary): string {
  const perClass = Object.entries(split.samplesPerClass)
    .map(([label, count]) => `${label}:${count}`)
    .join(' ');
  return (
    `    ${name.padEnd(5)} ${String(split.count).padStart(7)} samples (${perClass}); features mean ${fixed(split.featureMean)}, ` +
    `std ${fixed(split.featureStd)}, range [${fixed(split.featureMin)}, ${fixed(split.featureMax)}]`
  );
}

/** The experiment asked for, or the newest one that recorded its data. */
async function pickExperiment(experiments: ExperimentRepository, run: string | undefined): Promise<Experiment> {
  if (run !== undefined) return experiments.get(run);
  const recorded = (await experiments.list()).find((experiment) => experiment.dataVersions !== null);
  if (!recorded) {
    throw new CliError(
      'NO_CHECKPOINT',
      'No experiment in this database recorded its data versions yet. Train a run with `holomind train` (same --db), then `holomind data show`.',
    );
  }
  return recorded;
}

/** `holomind data show`: the versions (content hashes) and statistics of the data a run trained on. */
export async function showRunData(config: HolomindConfig, run: string | undefined): Promise<void> {
  const db = await openDatabase(config.db);
  try {
    const experiment = await pickExperiment(new ExperimentRepository(db), run);
    const data = experiment.dataVersions as DataVersions | null;
    const out = process.stdout;
    out.write(`experiment ${experiment.id} (${experiment.name}, ${experiment.status})\n`);
    if (!data) {
      out.write('recorded no data versions (it ran before data versions were stored)\n');
      return;
    }
    out.write(`data: ${data.source}\nscenario ${data.scenario}, features of shape [${data.featureShape.join(', ')}]\n`);
    out.write(`preprocessing: ${data.preprocessing ? JSON.stringify(data.preprocessing) : 'none (fed as loaded)'}\n`);
    for (const task of data.tasks) {
      const fed = task.inputsVersion === task.version ? '' : `, fed ${task.inputsVersion}`;
      out.write(`task ${task.taskId + 1} [${task.classes.join(',')}]: version ${task.version}${fed}\n`);
      for (const [name, split] of Object.entries(task.splits)) out.write(`${splitLine(name, split)}\n`);
    }
  } finally {
    await db.destroy();
  }
}
