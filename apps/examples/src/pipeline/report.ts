import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { ExperimentRepository, type Database, type Kysely } from '@holomind/db';
import {
  ContinualEvaluator,
  MetricsTracker,
  seriesChart,
  SqlMetricSink,
  writeReport,
  type MetricPoint,
  type VegaLiteSpec,
} from '@holomind/monitoring';
import { monitoringSummaryFile, RUN_METRICS } from './monitoring.js';

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
 * A tracker and evaluator rebuilt from what the database stores for an experiment (its metric
 * points and accuracy cells, written once by the run's SqlMetricSink), for the report and the
 * dashboard of a finished (or crashed) run. Steps are the run's global steps (see steps.ts).
 */
export async function replayRun(db: Kysely<Database>, experimentId: string) {
  const { tracker, evaluators } = await replayRuns(db, [experimentId]);
  return { tracker, evaluator: evaluators[0]! };
}

/**
 * Several experiments in one tracker (points keyed by run id, the first as the tracker's own run),
 * each with its evaluator: what `holomind dashboard --runs` compares.
 */
export async function replayRuns(db: Kysely<Database>, experimentIds: readonly string[]) {
  const reader = new SqlMetricSink(db);
  try {
    const tracker = new MetricsTracker({ runId: experimentIds[0]!, metrics: RUN_METRICS, historyLimit: 100_000 });
    const evaluators: ContinualEvaluator[] = [];
    for (const runId of experimentIds) {
      for (const point of await reader.readPoints({ runId })) {
        tracker.log(
          { [point.metric]: point.value },
          { runId, taskId: point.taskId ?? undefined, step: point.step, wallTime: point.wallTime },
        );
      }
      const stored = await reader.readAccuracyMatrix(runId);
      const evaluator = new ContinualEvaluator({ tasks: stored.tasks });
      stored.matrix.forEach((row, i) => {
        const cells = Object.fromEntries(stored.tasks.flatMap((task, j) => (row[j] === null ? [] : [[task, row[j]!]])));
        evaluator.recordRow(stored.tasks[i]!, cells);
      });
      evaluators.push(evaluator);
    }
    return { tracker, evaluators };
  } finally {
    await reader.close();
  }
}

/** The per-step charts of a run (the dashboard's, drawn statically): losses, optimizer, memory, resources. */
export function stepCharts(points: readonly MetricPoint[]): Array<[string, VegaLiteSpec]> {
  const x = 'optimizer step';
  // Each strategy part's own loss term (`train/term/replay`) and each part's stored examples per class.
  const terms = stepMetrics(points, /^train\/term\/(.+)$/, (part) => `${part} term`);
  const classCounts = stepMetrics(points, /^strategy\/(.+)\/class_count\/(\d+)$/, (part, label) => `${part}: class ${label}`);
  return [
    [
      'loss-per-step',
      seriesChart(points, {
        metrics: ['train/loss', 'train/task_loss', 'train/penalty', ...Object.keys(terms)],
        title: 'Loss per optimizer step',
        xTitle: x,
        yTitle: 'loss',
        labels: { 'train/loss': 'total', 'train/task_loss': 'task loss', 'train/penalty': 'all strategy terms', ...terms },
      }),
    ],
    [
      'gradient-norm',
      seriesChart(points, { metrics: ['train/gradient_norm'], title: 'Gradient norm (global L2)', xTitle: x, yTitle: 'norm' }),
    ],
    [
      'learning-rate',
      seriesChart(points, { metrics: ['train/learning_rate'], title: 'Learning rate', xTitle: x, yTitle: 'rate' }),
    ],
    [
      'memory-over-training',
      seriesChart(points, {
        metrics: ['memory/fill', 'memory/hit_rate', 'strategy/replay/fill'],
        title: 'Memory: fill and hit rate',
        xTitle: x,
        yTitle: 'fraction',
      }),
    ],
    [
      'memory-per-class',
      seriesChart(points, {
        metrics: Object.keys(classCounts),
        title: 'Episodic memory: stored examples per class',
        xTitle: x,
        yTitle: 'examples',
        labels: classCounts,
      }),
    ],
    [
      'resources',
      seriesChart(points, {
        metrics: ['system/rss_bytes', 'system/heap_used_bytes', 'tf/num_bytes'],
        title: 'Resources (MiB)',
        xTitle: x,
        yTitle: 'MiB',
        scale: 1 / 2 ** 20,
      }),
    ],
    ['cpu', seriesChart(points, { metrics: ['system/cpu_percent'], title: 'CPU (% of one core)', xTitle: x, yTitle: '%' })],
  ];
}

/** The stored metrics whose names match `pattern`, in numeric order of their captures, each with its chart label. */
function stepMetrics(
  points: readonly MetricPoint[],
  pattern: RegExp,
  label: (...captures: string[]) => string,
): Record<string, string> {
  const matches = [...new Set(points.map((point) => point.metric))].flatMap((metric) => {
    const match = pattern.exec(metric);
    return match ? [{ metric, captures: match.slice(1) }] : [];
  });
  matches.sort((a, b) => a.metric.localeCompare(b.metric, 'en', { numeric: true }));
  return Object.fromEntries(matches.map(({ metric, captures }) => [metric, label(...captures)]));
}

/** The external memory's health and performance monitor counts, when the run recorded them. */
function memorySection(details: Record<string, unknown> | undefined): string {
  const memory = details?.memory as
    | {
        health: {
          status: string;
          reasons: string[];
          averageReadSeconds: number;
          averageWriteSeconds: number;
          evictionRate: number;
          utilisation: number;
          hitRate: number;
        };
        performance: { captures: { count: number; items: number }; reconstructions: { count: number; items: number } };
      }
    | undefined;
  if (!memory) return '';
  const { health, performance } = memory;
  const rows: Array<[string, string]> = [
    ['health', health.status],
    ['writes (captures): calls / items', `${performance.captures.count} / ${performance.captures.items}`],
    ['reads (reconstructions): calls / rows', `${performance.reconstructions.count} / ${performance.reconstructions.items}`],
    [
      'mean write / read',
      `${(health.averageWriteSeconds * 1000).toFixed(3)} ms / ${(health.averageReadSeconds * 1000).toFixed(3)} ms`,
    ],
    [
      'utilisation, eviction rate, hit rate',
      `${health.utilisation.toFixed(3)}, ${health.evictionRate.toFixed(3)}, ${health.hitRate.toFixed(3)}`,
    ],
    ['rules', health.reasons.length ? health.reasons.join('; ') : 'all within limits'],
  ];
  return `<h2>External memory</h2><table id="memory-health" data-status="${escapeHtml(health.status)}">${rows.map(([name, value]) => `<tr><th>${escapeHtml(name)}</th><td>${escapeHtml(value)}</td></tr>`).join('')}</table>`;
}

/** The memory's performance statistics and health that the run's monitoring wrote when it closed, if any. */
async function readMonitoringSummary(reportFolder: string, experimentId: string): Promise<Record<string, unknown> | undefined> {
  try {
    return JSON.parse(await readFile(monitoringSummaryFile(path.dirname(reportFolder), experimentId), 'utf8')) as Record<
      string,
      unknown
    >;
  } catch {
    return undefined;
  }
}

/**
 * Writes `<folder>/report.html`: the accuracy matrix, average accuracy / BWT / forgetting, and the
 * charts @holomind/monitoring renders (SVG + PNG), all from the experiment's rows in the database.
 */
export async function writeRunReport(folder: string, db: Kysely<Database>, experimentId: string): Promise<string> {
  const experiment = await new ExperimentRepository(db).get(experimentId);
  const { tracker, evaluator } = await replayRun(db, experimentId);
  const matrix = evaluator.matrix();
  const points = tracker.points();
  const perStep = points.some((point) => point.metric === 'task_accuracy');
  const details = await readMonitoringSummary(folder, experimentId);
  const files = await writeReport(
    folder,
    { tracker, evaluator, details },
    {
      accuracyMetric: perStep ? 'task_accuracy' : 'accuracy',
      accuracyStepTitle: perStep ? 'optimizer step (held-out subset of every task seen so far)' : 'epoch step',
      accuracyTitle: 'Accuracy of each task over training',
      charts: stepCharts(points),
    },
  );
  await tracker.close();
  const evaluation = matrix.length ? evaluator.toJSON() : undefined;
  const charts = files.filter((file) => file.endsWith('.svg')).map((file) => path.basename(file));
  const cells = matrix
    .map(
      (row, i) =>
        `<tr><th>after task ${i + 1}</th>${row.map((cell) => `<td>${cell === null ? '' : (cell * 100).toFixed(2)}</td>`).join('')}</tr>`,
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
${memorySection(details)}
<h2>Hyperparameters</h2><pre>${escapeHtml(JSON.stringify(experiment.hyperparameters, null, 2))}</pre>
</body></html>
`;
  const file = path.join(folder, 'report.html');
  await writeFile(file, html);
  return file;
}
