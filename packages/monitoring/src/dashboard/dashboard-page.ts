/** Escapes text for HTML element content and double-quoted attributes. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (character) => `&#${character.charCodeAt(0)};`);
}

/**
 * The run page: live charts (uPlot, served from this package's own dependency), the accuracy
 * matrix as a heat map, alerts, the external memory's health and performance, resources, the
 * latest value of every series and the hyperparameters. The token (if any) is embedded so the
 * script can call the API.
 */
export function dashboardHtml(title: string, token: string | undefined): string {
  const query = token === undefined ? '' : `?token=${encodeURIComponent(token)}`;
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)}</title>
<link rel="stylesheet" href="vendor/uplot.css${query}">
<style>
  body { font: 14px/1.4 system-ui, sans-serif; margin: 0; background: #f6f7f9; color: #1d2330; }
  header { display: flex; gap: 16px; align-items: center; padding: 12px 20px; background: #1d2330; color: #fff; }
  header h1 { font-size: 18px; margin: 0; }
  .badge { padding: 2px 10px; border-radius: 10px; font-weight: 600; }
  .green { background: #2e7d32; color: #fff; } .yellow { background: #f9a825; color: #000; } .red { background: #c62828; color: #fff; }
  #connection { margin-left: auto; font-size: 12px; opacity: .8; }
  main { display: grid; grid-template-columns: repeat(auto-fit, minmax(520px, 1fr)); gap: 16px; padding: 16px 20px; }
  section { background: #fff; border-radius: 8px; padding: 12px 16px; box-shadow: 0 1px 2px rgba(0,0,0,.08); min-width: 0; }
  section h2 { font-size: 15px; margin: 0 0 8px; }
  .chart { margin-bottom: 12px; min-height: 40px; }
  table { border-collapse: collapse; } td, th { border: 1px solid #e3e5ea; padding: 4px 8px; text-align: right; font-variant-numeric: tabular-nums; }
  th { background: #f0f2f5; }
  #alerts { list-style: none; padding: 0; margin: 0; max-height: 240px; overflow: auto; }
  #alerts li { padding: 4px 6px; border-left: 4px solid; margin-bottom: 4px; font-size: 12px; }
  #alerts li.warning { border-color: #f9a825; } #alerts li.error { border-color: #e65100; } #alerts li.critical { border-color: #c62828; background: #fdecea; }
  dl { display: grid; grid-template-columns: max-content 1fr; gap: 2px 12px; margin: 0; } dt { color: #555; } dd { margin: 0; font-variant-numeric: tabular-nums; }
  .muted { color: #777; } .auto-chart h3 { font-size: 13px; margin: 4px 0; }
  #curves { grid-column: 1 / -1; display: grid; grid-template-columns: repeat(auto-fill, minmax(400px, 1fr)); gap: 4px 16px; }
  #curves h2, #curves > p { grid-column: 1 / -1; } .scroll { max-height: 360px; overflow: auto; }
  #latest td:first-child, #hparams td:first-child { text-align: left; }
</style>
</head>
<body>
<header><h1>${escapeHtml(title)}</h1><span id="run"></span><span id="health" class="badge green">green</span><span id="connection">connecting…</span></header>
<main>
  <section id="task-accuracy-section"><h2>Accuracy of each task over training</h2><div class="chart" id="chart-task-accuracy" data-points="0"></div>
    <p class="muted">Every task seen so far, on its fixed held-out subset, at the run's optimizer step.</p></section>
  <section id="loss-section"><h2>Loss per optimizer step</h2><div class="chart" id="chart-loss" data-points="0"></div>
    <h2>Learning rate and gradient norm</h2><div class="chart" id="chart-optimizer" data-points="0"></div></section>
  <section id="matrix-section"><h2>Accuracy matrix</h2><div id="matrix"><p class="muted">No evaluation yet.</p></div><dl id="transfer"></dl></section>
  <section id="memory-section"><h2>External memory <span id="memory-health" class="badge"></span></h2><dl id="memory"><dt>status</dt><dd class="muted">no memory statistics yet</dd></dl>
    <div class="chart" id="chart-memory" data-points="0"></div>
    <h2>Episodic memory: stored examples per class</h2><div class="chart" id="chart-memory-classes" data-points="0"></div></section>
  <section id="resources-section"><h2>Resources</h2><dl id="resources"></dl><div class="chart" id="chart-resources" data-points="0"></div><div class="chart" id="chart-cpu" data-points="0"></div></section>
  <section id="epoch-section"><h2>Per epoch: loss and current task's test accuracy</h2><div class="chart" id="chart-epoch" data-points="0"></div></section>
  <section id="curves"><h2>Other metrics</h2><p class="muted">No other metric yet.</p></section>
  <section id="alerts-section"><h2>Alerts</h2><p id="alert-summary" class="muted">No alerts.</p><ul id="alerts"></ul></section>
  <section id="latest-section"><h2>Latest values</h2><div class="scroll"><table id="latest"><tr><th>series</th><th>step</th><th>value</th></tr></table></div></section>
  <section id="hparams-section"><h2>Hyperparameters</h2><div class="scroll"><table id="hparams"></table></div></section>
</main>
<script src="vendor/uplot.js${query}"></script>
<script src="app.js${query}"></script>
</body>
</html>
`;
}

/**
 * The page's script: loads /api/dashboard and /api/series, then follows /events (server-sent
 * events) and redraws the uPlot charts as points arrive. Everything from the server is inserted
 * with textContent, never as HTML.
 */
export const DASHBOARD_SCRIPT = `'use strict';
(function () {
  var token = new URLSearchParams(location.search).get('token');
  var suffix = token ? '?token=' + encodeURIComponent(token) : '';
  var COLORS = ['#1f77b4', '#ff7f0e', '#2ca02c', '#d62728', '#9467bd', '#8c564b', '#e377c2', '#7f7f7f', '#bcbd22', '#17becf'];
  var MIB = 1048576;
  // Which series each chart draws; 'byTask' charts draw one line per task (and run).
  var CHARTS = [
    { id: 'task-accuracy', metrics: ['task_accuracy'], x: 'optimizer step', byTask: true, range: [0, 1] },
    { id: 'loss', metrics: ['train/loss', 'train/task_loss', 'train/penalty'], prefixes: ['train/term/'], x: 'optimizer step' },
    { id: 'optimizer', metrics: ['train/learning_rate', 'train/gradient_norm'], x: 'optimizer step', right: ['train/learning_rate'] },
    { id: 'memory', metrics: ['memory/fill', 'memory/hit_rate', 'strategy/replay/fill'], x: 'optimizer step', range: [0, 1] },
    { id: 'memory-classes', metrics: [], contains: ['/class_count/'], x: 'optimizer step' },
    { id: 'resources', metrics: ['system/rss_bytes', 'system/heap_used_bytes', 'tf/num_bytes'], x: 'optimizer step', scale: 1 / MIB, unit: ' MiB' },
    { id: 'cpu', metrics: ['system/cpu_percent'], x: 'optimizer step', unit: ' %' },
    { id: 'epoch', metrics: ['loss', 'current_task/test_accuracy'], x: 'epoch step (task × epochs + epoch)', byTask: true },
  ];
  var LABELS = {
    'train/loss': 'total loss', 'train/task_loss': 'task loss', 'train/penalty': 'all strategy terms',
    'train/learning_rate': 'learning rate', 'train/gradient_norm': 'gradient norm (global L2)',
    'memory/fill': 'external memory fill', 'memory/hit_rate': 'external memory hit rate', 'strategy/replay/fill': 'replay buffer fill',
    'system/rss_bytes': 'RSS', 'system/heap_used_bytes': 'V8 heap used', 'tf/num_bytes': 'tensor bytes', 'system/cpu_percent': 'CPU (% of one core)',
    'loss': 'epoch loss', 'current_task/test_accuracy': 'test accuracy',
  };
  // A chart's metrics: those it names, and those under its prefixes (each strategy part's loss term) or holding its infixes (per-class counts).
  function inChart(chart, metric) {
    if (chart.metrics.indexOf(metric) >= 0) return true;
    return (chart.prefixes || []).some(function (p) { return metric.indexOf(p) === 0; }) ||
      (chart.contains || []).some(function (p) { return metric.indexOf(p) > 0; });
  }
  function labelOf(metric) {
    if (LABELS[metric]) return LABELS[metric];
    var term = /^train\\/term\\/(.+)$/.exec(metric);
    if (term) return term[1] + ' term';
    var count = /^strategy\\/(.+)\\/class_count\\/(\\d+)$/.exec(metric);
    return count ? count[1] + ': class ' + count[2] : metric;
  }
  var series = new Map(); // key -> { metric, runId, taskId, steps: [], values: [] }
  var charts = {}; // chart id -> { plot, keys }
  var runLabels = {};
  var dirty = new Set();
  var scheduled = false;

  function num(value) { return typeof value === 'number' ? value : Number(value); }
  function fmt(value) {
    if (value === null || value === undefined) return '–';
    var n = num(value);
    if (!isFinite(n)) return String(n);
    if (Number.isInteger(n) && Math.abs(n) < 1e6) return String(n);
    if (Math.abs(n) >= 1e6) return (n / MIB).toFixed(1) + ' Mi';
    return Math.abs(n) >= 100 ? n.toFixed(1) : n.toPrecision(4);
  }
  function el(tag, attributes, text) {
    var node = document.createElement(tag);
    for (var name in attributes || {}) node.setAttribute(name, attributes[name]);
    if (text !== undefined) node.textContent = text;
    return node;
  }
  function keyOf(point) { return point.metric + '\\u0000' + point.runId + '\\u0000' + (point.taskId === null ? '' : point.taskId); }
  function taskLabel(taskId) { var m = /^task-(\\d+)$/.exec(taskId || ''); return m ? 'task ' + (Number(m[1]) + 1) : taskId; }
  function manyRuns() { var runs = new Set(); series.forEach(function (s) { runs.add(s.runId); }); return runs.size > 1; }
  function lineLabel(entry, chart) {
    var parts = [];
    if (manyRuns()) parts.push(runLabels[entry.runId] || entry.runId.slice(0, 8));
    if (!chart || chart.metrics.length !== 1 || !chart.byTask) parts.push(labelOf(entry.metric));
    if (entry.taskId !== null && chart && chart.byTask) parts.push(taskLabel(entry.taskId));
    return parts.join(' · ');
  }
  var HIDDEN = ['progress/optimizer_step'];
  // A metric no chart names gets its own chart under "Other metrics", one line per task and run.
  function chartOf(metric) {
    for (var i = 0; i < CHARTS.length; i++) if (inChart(CHARTS[i], metric)) return CHARTS[i];
    if (HIDDEN.indexOf(metric) >= 0 || metric.indexOf('monitoring/') === 0) return null; // the monitoring's own time: the table only
    var chart = { id: 'metric-' + metric.replace(/[^A-Za-z0-9_-]/g, '_'), metrics: [metric], x: 'step', byTask: true, auto: true };
    CHARTS.push(chart);
    var section = document.getElementById('curves');
    var placeholder = section.querySelector('p.muted');
    if (placeholder) placeholder.remove();
    var box = el('div', { class: 'auto-chart', 'data-metric': metric });
    box.append(el('h3', {}, metric), el('div', { class: 'chart', id: 'chart-' + chart.id, 'data-metric': metric, 'data-points': '0' }));
    var boxes = Array.from(section.querySelectorAll('.auto-chart')).concat([box]);
    boxes.sort(function (a, b) { return a.dataset.metric.localeCompare(b.dataset.metric); }).forEach(function (node) { section.append(node); });
    return chart;
  }

  // Points by step, so a point that arrives twice (page load racing the live stream) or late lands once, in order.
  function addPoint(point) {
    var key = keyOf(point);
    var entry = series.get(key);
    if (!entry) { entry = { metric: point.metric, runId: point.runId, taskId: point.taskId, byStep: new Map(), steps: [], values: [], lastStep: -Infinity }; series.set(key, entry); }
    var step = num(point.step);
    entry.byStep.set(step, num(point.value));
    entry.sorted = false;
    if (step >= entry.lastStep) entry.lastStep = step;
    dirty.add(point.metric);
  }
  function ordered(entry) {
    if (!entry.sorted) {
      entry.steps = Array.from(entry.byStep.keys()).sort(function (a, b) { return a - b; });
      entry.values = entry.steps.map(function (step) { return entry.byStep.get(step); });
      entry.sorted = true;
    }
    return entry;
  }
  function loadSeries() {
    return getJson('api/series').then(function (body) {
      body.series.forEach(function (one) {
        one.steps.forEach(function (step, i) { addPoint({ metric: one.metric, runId: one.runId, taskId: one.taskId, step: step, value: one.values[i] }); });
      });
      schedule();
    });
  }

  function schedule() {
    if (scheduled) return;
    scheduled = true;
    requestAnimationFrame(function () {
      scheduled = false;
      var ids = new Set();
      dirty.forEach(function (metric) { var chart = chartOf(metric); if (chart) ids.add(chart.id); });
      dirty.clear();
      ids.forEach(function (id) { drawChart(CHARTS.filter(function (c) { return c.id === id; })[0]); });
      drawLatest();
    });
  }

  function drawChart(chart) {
    var container = document.getElementById('chart-' + chart.id);
    var entries = [];
    series.forEach(function (entry, key) { if (inChart(chart, entry.metric) && (chart.byTask || entry.taskId === null || chart.id === 'epoch')) entries.push([key, entry]); });
    entries.sort(function (a, b) { return a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0; });
    var stepSet = new Set();
    var total = 0;
    entries.forEach(function (pair) { ordered(pair[1]).steps.forEach(function (s) { stepSet.add(s); }); total += pair[1].steps.length; });
    var xs = Array.from(stepSet).sort(function (a, b) { return a - b; });
    var index = new Map(xs.map(function (x, i) { return [x, i]; }));
    var scale = chart.scale || 1;
    var data = [xs].concat(entries.map(function (pair) {
      var ys = new Array(xs.length).fill(null);
      pair[1].steps.forEach(function (s, i) { var v = pair[1].values[i]; ys[index.get(s)] = isFinite(v) ? v * scale : null; });
      return ys;
    }));
    container.setAttribute('data-points', String(total));
    container.setAttribute('data-lines', String(entries.length));
    var keys = entries.map(function (pair) { return pair[0]; }).join('|');
    var existing = charts[chart.id];
    if (existing && existing.keys === keys) { existing.plot.setData(data); return; }
    if (existing) existing.plot.destroy();
    if (entries.length === 0) return;
    var opts = {
      width: Math.max(300, container.clientWidth || 480), height: chart.auto ? 150 : 220,
      scales: { x: { time: false }, y: chart.range ? { range: chart.range } : {}, right: {} },
      axes: [{ label: chart.x }, { size: 60, values: function (u, ticks) { return ticks.map(function (t) { return fmt(t) + (chart.unit || ''); }); } }]
        .concat(chart.right ? [{ scale: 'right', side: 1, size: 60, grid: { show: false }, values: function (u, ticks) { return ticks.map(fmt); } }] : []),
      series: [{ label: chart.x }].concat(entries.map(function (pair, i) {
        var right = chart.right && chart.right.indexOf(pair[1].metric) >= 0;
        return { label: lineLabel(pair[1], chart) + (right ? ' (right axis)' : ''), scale: right ? 'right' : 'y', stroke: COLORS[i % COLORS.length], width: 1.5, spanGaps: true, points: { show: xs.length < 60 } };
      })),
    };
    charts[chart.id] = { plot: new uPlot(opts, data, container), keys: keys };
  }

  function drawLatest() {
    var table = document.getElementById('latest');
    var rows = [];
    series.forEach(function (entry, key) { rows.push([key, entry]); });
    rows.sort(function (a, b) { return a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0; });
    while (table.rows.length > 1) table.deleteRow(1);
    rows.forEach(function (pair) {
      var entry = ordered(pair[1]);
      var value = entry.values[entry.values.length - 1];
      var label = (manyRuns() ? (runLabels[entry.runId] || entry.runId.slice(0, 8)) + ' · ' : '') + entry.metric + (entry.taskId === null ? '' : ' · ' + taskLabel(entry.taskId));
      var row = el('tr', { 'data-metric': entry.metric, 'data-task': entry.taskId === null ? '' : entry.taskId, 'data-run': entry.runId });
      row.append(el('td', {}, label), el('td', {}, String(entry.lastStep)), el('td', { class: 'value', 'data-value': String(value) }, fmt(value)));
      table.append(row);
    });
  }

  function setHealth(status) { var node = document.getElementById('health'); node.textContent = status; node.className = 'badge ' + status; }
  function addAlert(alert) {
    var list = document.getElementById('alerts');
    var text = new Date(num(alert.wallTime)).toLocaleTimeString() + ' ' + alert.severity.toUpperCase() + ' ' + alert.message;
    list.prepend(el('li', { class: alert.severity }, text));
    while (list.children.length > 50) list.lastChild.remove();
  }
  function drawEvaluation(report) {
    var container = document.getElementById('matrix');
    if (!report || !report.matrix || report.matrix.length === 0) return;
    container.textContent = '';
    var table = el('table');
    var head = el('tr');
    head.append(el('th', {}, 'after \\\\ on'));
    report.tasks.forEach(function (task) { head.append(el('th', {}, taskLabel(task))); });
    table.append(head);
    report.matrix.forEach(function (row, i) {
      var tr = el('tr');
      tr.append(el('th', {}, 'after ' + taskLabel(report.tasks[i])));
      row.forEach(function (cell, j) {
        var td = el('td', { 'data-trained': report.tasks[i], 'data-evaluated': report.tasks[j] }, cell === null ? '' : cell.toFixed(3));
        if (cell !== null) td.style.background = 'rgba(31,119,180,' + (0.1 + 0.6 * cell).toFixed(2) + ')';
        tr.append(td);
      });
      table.append(tr);
    });
    container.append(table);
    var dl = document.getElementById('transfer');
    dl.textContent = '';
    [['ACC', report.averageAccuracy], ['BWT', report.backwardTransfer], ['forgetting', report.averageForgetting]].forEach(function (pair) {
      dl.append(el('dt', {}, pair[0]), el('dd', { 'data-measure': pair[0] }, fmt(pair[1])));
    });
  }
  function drawResources(sample) {
    if (!sample) return;
    var dl = document.getElementById('resources');
    dl.textContent = '';
    [['backend', sample.backend], ['adapter', sample.adapter], ['RSS', sample.rssBytes], ['heap used', sample.heapUsedBytes],
      ['CPU %', sample.cpuPercent], ['tensors', sample.tfNumTensors], ['tensor bytes', sample.tfNumBytes]].forEach(function (pair) {
      if (pair[1] === null || pair[1] === undefined) return;
      dl.append(el('dt', {}, pair[0]), el('dd', { 'data-resource': pair[0] }, typeof pair[1] === 'string' ? pair[1] : fmt(pair[1])));
    });
  }
  function drawDetails(details) {
    if (!details) return;
    if (details.runs) runLabels = details.runs;
    var memory = details.memory;
    var stored = null;
    series.forEach(function (entry) { if (entry.metric === 'memory/health') stored = ordered(entry).values[entry.values.length - 1]; });
    if ((!memory || !memory.health) && stored !== null) {
      // A stored run: its last recorded health level (0 green, 1 yellow, 2 red).
      var level = ['green', 'yellow', 'red'][stored] || 'green';
      var storedBadge = document.getElementById('memory-health');
      storedBadge.textContent = level; storedBadge.className = 'badge ' + level;
    }
    if (memory && memory.health) {
      var badge = document.getElementById('memory-health');
      badge.textContent = memory.health.status; badge.className = 'badge ' + memory.health.status;
      var dl = document.getElementById('memory');
      dl.textContent = '';
      var stats = memory.performance || {};
      var facts = [
        ['writes (captures)', stats.captures && stats.captures.count], ['items written', stats.captures && stats.captures.items],
        ['mean write ms', memory.health.averageWriteSeconds * 1000], ['reads (reconstructions)', stats.reconstructions && stats.reconstructions.count],
        ['rows read', stats.reconstructions && stats.reconstructions.items], ['mean read ms', memory.health.averageReadSeconds * 1000],
        ['utilisation', memory.health.utilisation], ['eviction rate', memory.health.evictionRate], ['hit rate', memory.health.hitRate],
      ];
      facts.forEach(function (pair) { dl.append(el('dt', {}, pair[0]), el('dd', {}, fmt(pair[1]))); });
      dl.append(el('dt', {}, 'rules'), el('dd', {}, memory.health.reasons.length ? memory.health.reasons.join('; ') : 'all within limits'));
    }
    var hparams = details.hyperparameters;
    if (hparams) {
      var table = document.getElementById('hparams');
      table.textContent = '';
      var runs = Object.keys(hparams);
      var head = el('tr'); head.append(el('th', {}, 'hyperparameter'));
      runs.forEach(function (run) { head.append(el('th', {}, runLabels[run] || run.slice(0, 8))); });
      table.append(head);
      var names = new Set(); runs.forEach(function (run) { Object.keys(hparams[run]).forEach(function (n) { names.add(n); }); });
      Array.from(names).sort().forEach(function (name) {
        var tr = el('tr'); tr.append(el('td', {}, name));
        runs.forEach(function (run) { var v = hparams[run][name]; tr.append(el('td', {}, v === undefined ? '' : String(v))); });
        table.append(tr);
      });
    }
  }
  function drawSummary(view) {
    document.getElementById('run').textContent = 'run ' + view.runId;
    setHealth(view.health);
    var summary = view.alerts && view.alerts.summary;
    if (summary && summary.total > 0) {
      document.getElementById('alert-summary').textContent = summary.total + ' alert(s): ' + Object.keys(summary.bySeverity).map(function (s) { return summary.bySeverity[s] + ' ' + s; }).join(', ');
    }
    drawEvaluation(view.evaluation);
    drawResources(view.resources);
    drawDetails(view.details);
  }

  function getJson(path) { return fetch(path + suffix).then(function (r) { if (!r.ok) throw new Error(path + ': ' + r.status); return r.json(); }); }
  function refresh() { return getJson('api/dashboard').then(drawSummary); }

  Promise.all([getJson('api/dashboard'), loadSeries()]).then(function (results) {
    drawSummary(results[0]);
    (results[0].alerts.recent || []).slice().reverse().forEach(addAlert);
    var source = new EventSource('events' + suffix);
    source.onopen = function () {
      document.getElementById('connection').textContent = 'live';
      // Points logged between the first load and this connection came in neither: load them again.
      loadSeries().then(function () { document.body.setAttribute('data-live', 'true'); });
    };
    source.onerror = function () { document.getElementById('connection').textContent = 'reconnecting…'; };
    source.addEventListener('points', function (event) { JSON.parse(event.data).forEach(addPoint); schedule(); });
    source.addEventListener('alert', function (event) { addAlert(JSON.parse(event.data)); });
    source.addEventListener('health', function (event) { setHealth(JSON.parse(event.data)); });
    source.addEventListener('evaluation', function (event) { drawEvaluation(JSON.parse(event.data)); });
    source.addEventListener('resources', function (event) { drawResources(JSON.parse(event.data)); });
    setInterval(function () { refresh().catch(function () {}); }, 2000);
    document.body.setAttribute('data-ready', 'true');
  }).catch(function (error) {
    document.getElementById('connection').textContent = 'error: ' + error.message;
  });
})();
`;
