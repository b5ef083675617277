import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { AlertManager } from '../alert-manager.js';
import type { ContinualEvaluator } from '../continual-evaluator.js';
import type { MetricsTracker } from '../metrics-tracker.js';
import type { ResourceSampler } from '../resource-sampler.js';
import { toJson } from '../to-json.js';
import { accuracyMatrixToCsv, alertsToCsv, metricPointsToCsv } from './csv.js';
import {
  accuracyMatrixChart,
  forgettingChart,
  memoryUseChart,
  renderPng,
  renderSvg,
  taskAccuracyChart,
  type VegaLiteSpec,
} from './plots.js';

/** What a report is built from; only `tracker` is required. */
export interface ReportSources {
  tracker: MetricsTracker;
  alerts?: AlertManager;
  evaluator?: ContinualEvaluator;
  resources?: ResourceSampler;
  /** Extra facts written as they are under `details` in report.json (e.g. the memory's performance and health). */
  details?: Record<string, unknown>;
}

/** Options of {@link writeReport}. */
export interface WriteReportOptions {
  /** The metric drawn per task. Default `accuracy`. */
  accuracyMetric?: string;
  /** Also write PNGs beside the SVGs. Default true. */
  png?: boolean;
  /** PNG pixels per SVG unit. Default 2. */
  pngScale?: number;
  /** The x axis title of the per-task chart. Default `step`. */
  accuracyStepTitle?: string;
  /** The per-task chart's title. Default `<metric> per task over training`. */
  accuracyTitle?: string;
  /** More charts, written after the built-in ones: `[file name without extension, Vega-Lite spec]`. */
  charts?: ReadonlyArray<readonly [string, VegaLiteSpec]>;
}

/** The report as one JSON-able object: every point in memory, alerts, the evaluation, resource samples. */
export function buildReport(sources: ReportSources) {
  return {
    runId: sources.tracker.runId,
    generatedAt: new Date().toISOString(),
    metrics: sources.tracker.declaredMetrics().map((name) => ({ name, ...sources.tracker.metricDefinition(name) })),
    points: sources.tracker.points(),
    alerts: sources.alerts?.getHistory() ?? [],
    alertSummary: sources.alerts?.summary() ?? null,
    evaluation: sources.evaluator?.toJSON() ?? null,
    resources: sources.resources?.history() ?? [],
    details: sources.details ?? null,
  };
}

/**
 * Writes a report folder: `report.json`, `metrics.csv`, `alerts.csv`, `accuracy-matrix.csv`, and
 * charts as SVG (and PNG): `task-accuracy`, `accuracy-matrix`, `forgetting`, `memory`. Charts
 * without data are skipped. Resolves to the paths written.
 */
export async function writeReport(folder: string, sources: ReportSources, options: WriteReportOptions = {}): Promise<string[]> {
  await mkdir(folder, { recursive: true });
  const written: string[] = [];
  const write = async (name: string, content: string | Uint8Array) => {
    const file = path.join(folder, name);
    await writeFile(file, content);
    written.push(file);
  };
  const report = buildReport(sources);
  await write('report.json', toJson(report));
  await write('metrics.csv', metricPointsToCsv(report.points));
  await write('alerts.csv', alertsToCsv(report.alerts));
  const charts: Array<[string, VegaLiteSpec]> = [];
  const accuracyMetric = options.accuracyMetric ?? 'accuracy';
  if (report.points.some((point) => point.metric === accuracyMetric)) {
    charts.push([
      'task-accuracy',
      taskAccuracyChart(report.points, {
        metric: accuracyMetric,
        xTitle: options.accuracyStepTitle,
        title: options.accuracyTitle,
      }),
    ]);
  }
  if (report.evaluation && report.evaluation.tasks.length > 0) {
    await write('accuracy-matrix.csv', accuracyMatrixToCsv(report.evaluation));
    charts.push(['accuracy-matrix', accuracyMatrixChart(report.evaluation)]);
    if (report.evaluation.forgetting.length > 0) charts.push(['forgetting', forgettingChart(report.evaluation.forgetting)]);
  }
  if (report.resources.length > 0) charts.push(['memory', memoryUseChart(report.resources)]);
  for (const [name, spec] of options.charts ?? []) {
    if (((spec.data as { values?: unknown[] } | undefined)?.values?.length ?? 1) > 0) charts.push([name, spec]);
  }
  for (const [name, spec] of charts) {
    const svg = await renderSvg(spec);
    await write(`${name}.svg`, svg);
    if (options.png ?? true) await write(`${name}.png`, await renderPng(svg, { scale: options.pngScale }));
  }
  return written;
}
