import { escapeHtml } from './dashboard-page.js';

/** One trial as the study page shows it. */
export interface StudyPageTrial {
  number: number;
  status: string;
  params: Record<string, number | string | boolean>;
  /** Mean objective over seeds (at the pruning point for a pruned trial); null while unknown. */
  mean: number | null;
  std: number | null;
  /** Mean objective over seeds after each trained task: the trial's curve. */
  curve: Array<{ tasks: number; value: number }>;
}

/** What {@link studyPageHtml} draws: a study of `holomind sweep`. */
export interface StudyPageData {
  id: string;
  name: string;
  status: string;
  sampler: string;
  objective: string;
  trials: StudyPageTrial[];
}

/** Options of {@link studyPageHtml}. */
export interface StudyPageOptions {
  /** Reload the page this often while the study runs (seconds); 0: never. Default 0. */
  refreshSeconds?: number;
}

const WIDTH = 460;
const HEIGHT = 260;
const MARGIN = { left: 48, right: 12, top: 12, bottom: 34 };
const STATUS_COLOURS: Record<string, string> = { completed: '#1f77b4', pruned: '#999999', running: '#2ca02c', failed: '#d62728' };

interface Axis {
  min: number;
  max: number;
  log: boolean;
}

function axisOf(values: number[], log = false): Axis {
  const finite = values.filter(Number.isFinite);
  const mapped = log ? finite.map(Math.log10) : finite;
  let min = Math.min(...mapped);
  let max = Math.max(...mapped);
  if (!Number.isFinite(min)) [min, max] = [0, 1];
  if (min === max) [min, max] = [min - 0.5, max + 0.5];
  return { min, max, log };
}

const project = (axis: Axis, value: number, from: number, to: number) =>
  from + (((axis.log ? Math.log10(value) : value) - axis.min) / (axis.max - axis.min)) * (to - from);
const xOf = (axis: Axis, value: number) => project(axis, value, MARGIN.left, WIDTH - MARGIN.right);
const yOf = (axis: Axis, value: number) => project(axis, value, HEIGHT - MARGIN.bottom, MARGIN.top);
const label = (axis: Axis, value: number) => {
  const shown = axis.log ? 10 ** value : value;
  return Math.abs(shown) >= 1000 || (Math.abs(shown) < 0.01 && shown !== 0)
    ? shown.toExponential(0)
    : String(Number(shown.toPrecision(3)));
};

function frame(x: Axis, y: Axis, xTitle: string, yTitle: string, body: string): string {
  const ticks = [0, 0.5, 1].map((t) => ({ x: x.min + t * (x.max - x.min), y: y.min + t * (y.max - y.min) }));
  const tickMarks = ticks
    .map(
      (tick) =>
        `<text x="${xOf({ ...x, log: false }, tick.x).toFixed(1)}" y="${HEIGHT - MARGIN.bottom + 14}" text-anchor="middle">${label(x, tick.x)}</text>` +
        `<text x="${MARGIN.left - 4}" y="${(yOf({ ...y, log: false }, tick.y) + 4).toFixed(1)}" text-anchor="end">${label(y, tick.y)}</text>`,
    )
    .join('');
  return (
    `<svg viewBox="0 0 ${WIDTH} ${HEIGHT}" width="${WIDTH}" height="${HEIGHT}" font-size="10" font-family="sans-serif">` +
    `<rect x="${MARGIN.left}" y="${MARGIN.top}" width="${WIDTH - MARGIN.left - MARGIN.right}" height="${HEIGHT - MARGIN.top - MARGIN.bottom}" fill="none" stroke="#ccc"/>` +
    tickMarks +
    `<text x="${(WIDTH + MARGIN.left) / 2}" y="${HEIGHT - 4}" text-anchor="middle">${escapeHtml(xTitle)}</text>` +
    `<text x="10" y="${HEIGHT / 2}" text-anchor="middle" transform="rotate(-90 10 ${HEIGHT / 2})">${escapeHtml(yTitle)}</text>` +
    body +
    '</svg>'
  );
}

/** Every trial's objective after each task: one line per trial, coloured by status. */
function curvesChart(data: StudyPageData): string {
  const points = data.trials.flatMap((trial) => trial.curve);
  const x = axisOf(points.map((point) => point.tasks));
  const y = axisOf(points.map((point) => point.value));
  const lines = data.trials
    .filter((trial) => trial.curve.length > 0)
    .map((trial) => {
      const path = trial.curve.map((point) => `${xOf(x, point.tasks).toFixed(1)},${yOf(y, point.value).toFixed(1)}`).join(' ');
      const colour = STATUS_COLOURS[trial.status] ?? '#000';
      return `<polyline class="curve" data-trial="${trial.number}" points="${path}" fill="none" stroke="${colour}" stroke-width="1.5"${trial.status === 'pruned' ? ' stroke-dasharray="4 3"' : ''}><title>trial ${trial.number} (${escapeHtml(trial.status)})</title></polyline>`;
    })
    .join('');
  return frame(x, y, 'tasks trained', data.objective, lines);
}

/** The mean objective (± std) of every trial against one parameter (log scale when it spans two decades). */
function parameterChart(data: StudyPageData, key: string): string {
  const trials = data.trials.filter((trial) => typeof trial.params[key] === 'number' && trial.mean !== null);
  const values = trials.map((trial) => trial.params[key] as number);
  const positive = values.length > 0 && values.every((value) => value > 0);
  const x = axisOf(values, positive && Math.max(...values) / Math.min(...values) >= 100);
  const y = axisOf(trials.flatMap((trial) => [trial.mean! - (trial.std ?? 0), trial.mean! + (trial.std ?? 0)]));
  const marks = trials
    .map((trial) => {
      const cx = xOf(x, trial.params[key] as number).toFixed(1);
      const colour = STATUS_COLOURS[trial.status] ?? '#000';
      const spread = trial.std ?? 0;
      return (
        `<line x1="${cx}" x2="${cx}" y1="${yOf(y, trial.mean! - spread).toFixed(1)}" y2="${yOf(y, trial.mean! + spread).toFixed(1)}" stroke="${colour}"/>` +
        `<circle class="point" data-trial="${trial.number}" cx="${cx}" cy="${yOf(y, trial.mean!).toFixed(1)}" r="3.5" fill="${colour}"><title>trial ${trial.number}: ${escapeHtml(key)} = ${trial.params[key]}, ${(trial.mean! * 100).toFixed(2)} ± ${(spread * 100).toFixed(2)}</title></circle>`
      );
    })
    .join('');
  return frame(x, y, `${key}${x.log ? ' (log)' : ''}`, data.objective, marks);
}

/**
 * A study of `holomind sweep` as one self-contained HTML page: its trials' curves (objective after
 * each task), the parameter-versus-objective plot of each numeric parameter (mean ± std over
 * seeds), and the trials best first. Pruned trials are grey and dashed. No script, no network.
 *
 * @example
 * writeFileSync('study.html', studyPageHtml({ id, name: 'ewc-lambda', status: 'completed', sampler: 'grid', objective: 'accuracy', trials }));
 */
export function studyPageHtml(data: StudyPageData, options: StudyPageOptions = {}): string {
  const keys = [...new Set(data.trials.flatMap((trial) => Object.keys(trial.params)))];
  const numeric = keys.filter((key) => data.trials.some((trial) => typeof trial.params[key] === 'number'));
  const percent = (value: number | null) => (value === null ? '-' : (value * 100).toFixed(2));
  const rows = data.trials
    .map(
      (trial) =>
        `<tr class="${escapeHtml(trial.status)}"><td>${trial.number}</td>${keys.map((key) => `<td>${escapeHtml(String(trial.params[key] ?? ''))}</td>`).join('')}<td>${percent(trial.mean)} ± ${percent(trial.std)}</td><td>${escapeHtml(trial.status)}</td></tr>`,
    )
    .join('\n');
  const refresh = options.refreshSeconds ? `<meta http-equiv="refresh" content="${options.refreshSeconds}">` : '';
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8">${refresh}<title>Study ${escapeHtml(data.name)}</title>
<style>body{font-family:sans-serif;margin:1.5em}figure{display:inline-block;margin:0 1em 1em 0}table{border-collapse:collapse}td,th{padding:2px 8px;border-bottom:1px solid #eee;text-align:left}tr.pruned{color:#888}tr.failed{color:#d62728}</style>
</head><body>
<h1>Study ${escapeHtml(data.name)}</h1>
<p id="summary">${escapeHtml(data.id)}: ${escapeHtml(data.status)}, ${escapeHtml(data.sampler)} sampler, objective ${escapeHtml(data.objective)}, ${data.trials.length} trial(s): ${['completed', 'pruned', 'running', 'failed'].map((status) => `${data.trials.filter((trial) => trial.status === status).length} ${status}`).join(', ')}</p>
<figure id="curves"><figcaption>Trials: ${escapeHtml(data.objective)} after each task (mean over seeds)</figcaption>${curvesChart(data)}</figure>
${numeric.map((key) => `<figure class="parameter" data-key="${escapeHtml(key)}"><figcaption>${escapeHtml(key)} versus ${escapeHtml(data.objective)} (mean ± std over seeds)</figcaption>${parameterChart(data, key)}</figure>`).join('\n')}
<table id="trials"><thead><tr><th>trial</th>${keys.map((key) => `<th>${escapeHtml(key)}</th>`).join('')}<th>${escapeHtml(data.objective)} %</th><th>status</th></tr></thead>
<tbody>
${rows}
</tbody></table>
</body></html>
`;
}
