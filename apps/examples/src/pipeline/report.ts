import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { ExperimentRepository } from '@holomind/db';
import { ContinualEvaluator, MetricsTracker, writeReport } from '@holomind/monitoring';

const escapeHtml = (text: string) =>
  text.replace(/[&<>"]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[c]!);

const points100 = (value: number | null) => (value === null ? 'n/a' : (value * 100).toFixed(2));

/** The accuracy matrix as text: rows = after training task i, columns = evaluated task j. */
export function formatMatrix(matrix: readonly number[][]): string {
  const size = matrix.length;
  const header = ['after \\ on', ...Array.from({ length: size }, (_, j) => `T${j + 1}`.padStart(7))].join(' ');
  const rows = matrix.map((row, i) =>
    [
      `task ${i + 1}`.padEnd(10),
      ...Array.from({ length: size }, (_, j) => (j < row.length ? (row[j]! * 100).toFixed(2) : '-').padStart(7)),
    ].join(' '),
  );
  return [header, ...rows].join('\n');
}

/**
 * A tracker and evaluator rebuilt from an experiment's stored metrics and its accuracy matrix, for
 * reports and the dashboard of a finished (or crashed) run. Steps are `task × 1000 + epoch`.
 */
export async function replayRun(experiments: ExperimentRepository, experimentId: string, matrix: number[][]) {
  const tracker = new MetricsTracker({
    runId: experimentId,
    metrics: { accuracy: { goal: 'maximize' }, loss: { goal: 'minimize' } },
  });
  const evaluator = new ContinualEvaluator({ tasks: matrix.map((_, i) => `task-${i}`) });
  for (const point of await experiments.history({ experimentIds: [experimentId] })) {
    const context = { taskId: `task-${point.task}`, step: point.task * 1000 + point.step };
    if (point.metric === 'test_accuracy') tracker.log({ accuracy: point.value }, context);
    if (point.metric === 'loss') tracker.log({ loss: point.value }, context);
  }
  matrix.forEach((row, i) => evaluator.recordRow(`task-${i}`, row));
  return { tracker, evaluator };
}

/**
 * Writes `<folder>/report.html`: the accuracy matrix, average accuracy / BWT / forgetting, and the
 * charts @holomind/monitoring renders (SVG + PNG) from the experiment's metrics in the database.
 */
export async function writeRunReport(
  folder: string,
  experiments: ExperimentRepository,
  experimentId: string,
  matrix: number[][],
): Promise<string> {
  const experiment = await experiments.get(experimentId);
  const { tracker, evaluator } = await replayRun(experiments, experimentId, matrix);
  const files = await writeReport(folder, { tracker, evaluator });
  await tracker.close();
  const evaluation = matrix.length ? evaluator.toJSON() : undefined;
  const charts = files.filter((file) => file.endsWith('.svg')).map((file) => path.basename(file));
  const cells = matrix
    .map(
      (row, i) =>
        `<tr><th>after task ${i + 1}</th>${matrix.map((_, j) => `<td>${j < row.length ? (row[j]! * 100).toFixed(2) : ''}</td>`).join('')}</tr>`,
    )
    .join('\n');
  const html = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>HoloMind report: ${escapeHtml(experiment.name)}</title>
<style>body{font-family:system-ui,sans-serif;margin:2rem;max-width:70rem}table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:.3rem .6rem;text-align:right}img{max-width:100%;margin:1rem 0}</style></head>
<body>
<h1>${escapeHtml(experiment.name)}</h1>
<p>Experiment <code>${escapeHtml(experiment.id)}</code>, ${escapeHtml(experiment.status)}, started ${experiment.startedAt.toISOString()}.</p>
<h2>Accuracy matrix (%)</h2>
<table><tr><th></th>${matrix.map((_, j) => `<th>task ${j + 1}</th>`).join('')}</tr>
${cells}</table>
${evaluation ? `<p>Average accuracy ${points100(evaluation.averageAccuracy)}%, backward transfer ${points100(evaluation.backwardTransfer)} points, average forgetting ${points100(evaluation.averageForgetting)} points.</p>` : ''}
<h2>Charts</h2>
${charts.map((chart) => `<figure><img src="${chart}" alt="${chart}"><figcaption>${chart}</figcaption></figure>`).join('\n')}
<h2>Hyperparameters</h2><pre>${escapeHtml(JSON.stringify(experiment.hyperparameters, null, 2))}</pre>
</body></html>
`;
  const file = path.join(folder, 'report.html');
  await writeFile(file, html);
  return file;
}
