import type { ContinualEvaluationReport, TaskForgetting } from '../continual-evaluator.js';
import { MonitoringError } from '../errors.js';
import type { ResourceSample } from '../resource-sampler.js';
import type { MetricPoint } from '../types.js';

/** A Vega-Lite specification (https://vega.github.io/vega-lite/docs/spec.html), kept loose on purpose. */
export type VegaLiteSpec = Record<string, unknown>;

/** Options shared by the chart builders. */
export interface ChartOptions {
  title?: string;
  /** Plot area size in pixels (axes and legend add to it). Defaults 480 × 300. */
  width?: number;
  height?: number;
}

const MIB = 1024 * 1024;

/**
 * Accuracy of every task over training steps: one line per task. Non-finite points are left out
 * (they have no place on an axis; the alerts and CSV keep them).
 */
export function taskAccuracyChart(
  points: readonly MetricPoint[],
  options: ChartOptions & { metric?: string; xTitle?: string } = {},
): VegaLiteSpec {
  const metric = options.metric ?? 'accuracy';
  const values = points
    .filter((point) => point.metric === metric && Number.isFinite(point.value))
    .map((point) => ({ step: point.step, value: point.value, task: point.taskId ?? '(none)', run: point.runId }));
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title: options.title ?? `${metric} per task over training`,
    width: options.width ?? 480,
    height: options.height ?? 300,
    data: { values },
    mark: { type: 'line', point: true },
    encoding: {
      x: { field: 'step', type: 'quantitative', title: options.xTitle ?? 'step' },
      y: { field: 'value', type: 'quantitative', title: metric, scale: { zero: false } },
      color: { field: 'task', type: 'nominal', title: 'task', sort: uniqueInOrder(values.map((value) => value.task)) },
      detail: { field: 'run', type: 'nominal' },
    },
  };
}

/**
 * Several metrics over steps in one chart, one line per metric (and per task when points carry
 * one), e.g. the total, task and penalty losses per optimizer step. `scale` multiplies values
 * (1 / 2^20 for MiB). Non-finite points are left out.
 */
export function seriesChart(
  points: readonly MetricPoint[],
  options: ChartOptions & {
    metrics: readonly string[];
    xTitle?: string;
    yTitle?: string;
    scale?: number;
    labels?: Record<string, string>;
  },
): VegaLiteSpec {
  const scale = options.scale ?? 1;
  const values = points
    .filter((point) => options.metrics.includes(point.metric) && Number.isFinite(point.value))
    .map((point) => {
      const label = options.labels?.[point.metric] ?? point.metric;
      return {
        step: point.step,
        value: point.value * scale,
        series: point.taskId === null ? label : `${label} · ${point.taskId}`,
      };
    });
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title: options.title ?? options.metrics.join(', '),
    width: options.width ?? 480,
    height: options.height ?? 300,
    data: { values },
    mark: { type: 'line', point: values.length < 80 },
    encoding: {
      x: { field: 'step', type: 'quantitative', title: options.xTitle ?? 'step' },
      y: { field: 'value', type: 'quantitative', title: options.yTitle ?? 'value', scale: { zero: false } },
      color: {
        field: 'series',
        type: 'nominal',
        title: null,
        sort: uniqueInOrder(values.map((value) => value.series)),
        legend: { orient: 'bottom', columns: 3 },
      },
    },
  };
}

/** Heat map of the accuracy matrix: rows = task trained, columns = task evaluated, cell text = accuracy. */
export function accuracyMatrixChart(
  report: Pick<ContinualEvaluationReport, 'tasks' | 'matrix'>,
  options: ChartOptions = {},
): VegaLiteSpec {
  const values: Array<{ trained: string; evaluated: string; accuracy: number }> = [];
  report.matrix.forEach((row, i) =>
    row.forEach((accuracy, j) => {
      if (accuracy !== null && Number.isFinite(accuracy))
        values.push({ trained: report.tasks[i]!, evaluated: report.tasks[j]!, accuracy });
    }),
  );
  const side = Math.max(160, 56 * report.tasks.length);
  const tasks = [...report.tasks];
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title: options.title ?? 'Accuracy matrix',
    width: options.width ?? side,
    height: options.height ?? side,
    data: { values },
    encoding: {
      x: { field: 'evaluated', type: 'ordinal', sort: tasks, title: 'task evaluated', axis: { labelAngle: 0 } },
      y: { field: 'trained', type: 'ordinal', sort: tasks, title: 'after training task' },
    },
    layer: [
      {
        mark: 'rect',
        encoding: {
          color: { field: 'accuracy', type: 'quantitative', scale: { scheme: 'viridis', domain: [0, 1] }, title: 'accuracy' },
        },
      },
      {
        mark: { type: 'text', fontSize: 12 },
        encoding: {
          text: { field: 'accuracy', type: 'quantitative', format: '.2f' },
          color: { condition: { test: 'datum.accuracy > 0.5', value: 'black' }, value: 'white' },
        },
      },
    ],
  };
}

/** Forgetting per task (Chaudhry et al.): one bar per earlier task. */
export function forgettingChart(forgetting: readonly TaskForgetting[], options: ChartOptions = {}): VegaLiteSpec {
  const values = forgetting
    .filter((entry) => Number.isFinite(entry.value))
    .map((entry) => ({ task: entry.task, forgetting: entry.value }));
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title: options.title ?? 'Forgetting per task (best earlier accuracy − final accuracy)',
    width: options.width ?? Math.max(200, 48 * values.length),
    height: options.height ?? 260,
    data: { values },
    mark: 'bar',
    encoding: {
      x: { field: 'task', type: 'ordinal', sort: values.map((value) => value.task), title: 'task', axis: { labelAngle: 0 } },
      y: { field: 'forgetting', type: 'quantitative', title: 'forgetting' },
      color: { condition: { test: 'datum.forgetting > 0', value: '#d62728' }, value: '#2ca02c' },
    },
  };
}

/** Memory over time from resource samples: RSS, V8 heap and TensorFlow.js tensor bytes, in MiB. */
export function memoryUseChart(samples: readonly ResourceSample[], options: ChartOptions = {}): VegaLiteSpec {
  const start = samples[0]?.wallTime ?? 0;
  const values = samples.flatMap((sample) => {
    const seconds = (sample.wallTime - start) / 1000;
    const rows = [
      { seconds, series: 'RSS', mib: sample.rssBytes / MIB },
      { seconds, series: 'V8 heap used', mib: sample.heapUsedBytes / MIB },
    ];
    if (sample.tfNumBytes !== null) rows.push({ seconds, series: 'tf tensors', mib: sample.tfNumBytes / MIB });
    return rows;
  });
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title: options.title ?? 'Memory use',
    width: options.width ?? 480,
    height: options.height ?? 260,
    data: { values },
    mark: { type: 'line', point: samples.length < 50 },
    encoding: {
      x: { field: 'seconds', type: 'quantitative', title: 'seconds since first sample' },
      y: { field: 'mib', type: 'quantitative', title: 'MiB' },
      color: { field: 'series', type: 'nominal', title: null },
    },
  };
}

/** Renders a Vega-Lite spec to SVG text with Vega in Node (no browser, no canvas). */
export async function renderSvg(spec: VegaLiteSpec): Promise<string> {
  const [vega, vegaLite] = await Promise.all([import('vega'), import('vega-lite')]);
  let compiled;
  try {
    compiled = vegaLite.compile(spec as unknown as Parameters<typeof vegaLite.compile>[0]).spec;
  } catch (error) {
    throw new MonitoringError('INVALID_ARGUMENT', `Vega-Lite could not compile the chart: ${(error as Error).message}`, {
      cause: error,
    });
  }
  const view = new vega.View(vega.parse(compiled), { renderer: 'none' });
  try {
    return await view.toSVG();
  } finally {
    view.finalize();
  }
}

/** Options of {@link renderPng}. */
export interface PngOptions {
  /** Pixels per SVG unit. Default 2 (sharp on high-DPI screens). */
  scale?: number;
  /** Background colour. Default white (an SVG is transparent). */
  background?: string;
}

/** Renders a Vega-Lite spec (or SVG text) to PNG bytes with resvg, using the system's fonts. */
export async function renderPng(specOrSvg: VegaLiteSpec | string, options: PngOptions = {}): Promise<Uint8Array> {
  const svg = typeof specOrSvg === 'string' ? specOrSvg : await renderSvg(specOrSvg);
  const { Resvg } = await import('@resvg/resvg-js');
  const scale = options.scale ?? 2;
  const renderer = new Resvg(svg, {
    background: options.background ?? 'white',
    fitTo: { mode: 'zoom', value: scale },
    font: { loadSystemFonts: true, defaultFontFamily: 'DejaVu Sans', sansSerifFamily: 'DejaVu Sans' },
  });
  return new Uint8Array(renderer.render().asPng());
}

function uniqueInOrder(values: string[]): string[] {
  return [...new Set(values)];
}
