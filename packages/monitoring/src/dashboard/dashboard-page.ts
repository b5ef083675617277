/** Escapes text for HTML element content and double-quoted attributes. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (character) => `&#${character.charCodeAt(0)};`);
}

/** The dashboard's one page. The token (if any) is embedded so the script can call the API. */
export function dashboardHtml(title: string, token: string | undefined): string {
  const query = token === undefined ? '' : `?token=${encodeURIComponent(token)}`;
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)}</title>
<style>
  body { font: 14px/1.4 system-ui, sans-serif; margin: 0; background: #f6f7f9; color: #1d2330; }
  header { display: flex; gap: 16px; align-items: center; padding: 12px 20px; background: #1d2330; color: #fff; }
  header h1 { font-size: 18px; margin: 0; }
  #health { padding: 2px 10px; border-radius: 10px; font-weight: 600; }
  #health.green { background: #2e7d32; } #health.yellow { background: #f9a825; color: #000; } #health.red { background: #c62828; }
  #connection { margin-left: auto; font-size: 12px; opacity: .8; }
  main { display: grid; grid-template-columns: repeat(auto-fit, minmax(420px, 1fr)); gap: 16px; padding: 16px 20px; }
  section { background: #fff; border-radius: 8px; padding: 12px 16px; box-shadow: 0 1px 2px rgba(0,0,0,.08); }
  section h2 { font-size: 15px; margin: 0 0 8px; }
  .chart { margin-bottom: 12px; } .chart h3 { font-size: 13px; margin: 4px 0; font-weight: 600; }
  .chart svg { width: 100%; height: 160px; background: #fbfbfc; border: 1px solid #e3e5ea; }
  .legend { font-size: 11px; color: #555; } .legend span { margin-right: 10px; }
  table { border-collapse: collapse; } td, th { border: 1px solid #e3e5ea; padding: 4px 8px; text-align: right; font-variant-numeric: tabular-nums; }
  th { background: #f0f2f5; }
  #alerts { list-style: none; padding: 0; margin: 0; max-height: 320px; overflow: auto; }
  #alerts li { padding: 4px 6px; border-left: 4px solid; margin-bottom: 4px; font-size: 12px; }
  #alerts li.warning { border-color: #f9a825; } #alerts li.error { border-color: #e65100; } #alerts li.critical { border-color: #c62828; background: #fdecea; }
  dl { display: grid; grid-template-columns: max-content 1fr; gap: 2px 12px; margin: 0; } dt { color: #555; } dd { margin: 0; font-variant-numeric: tabular-nums; }
  .muted { color: #777; }
</style>
</head>
<body>
<header><h1>${escapeHtml(title)}</h1><span id="run"></span><span id="health" class="green">green</span><span id="connection">connecting…</span></header>
<main>
  <section id="curves-section"><h2>Training curves</h2><div id="curves"><p class="muted">No metrics yet.</p></div></section>
  <section id="matrix-section"><h2>Accuracy matrix</h2><div id="matrix"><p class="muted">No evaluation yet.</p></div><dl id="transfer"></dl></section>
  <section id="alerts-section"><h2>Alerts</h2><p id="alert-summary" class="muted">No alerts.</p><ul id="alerts"></ul></section>
  <section id="resources-section"><h2>Resources</h2><dl id="resources"><dt>status</dt><dd class="muted">no sample yet</dd></dl></section>
</main>
<script src="app.js${query}"></script>
</body>
</html>
`;
}

/**
 * The page's script: loads /api/dashboard and /api/series, then follows /events (server-sent
 * events). Everything from the server is inserted with textContent, never as HTML.
 */
export const DASHBOARD_SCRIPT = `'use strict';
(function () {
  var token = new URLSearchParams(location.search).get('token');
  var suffix = token ? '?token=' + encodeURIComponent(token) : '';
  var RESOURCE_PREFIXES = ['system/', 'tf/'];
  var COLORS = ['#1f77b4', '#ff7f0e', '#2ca02c', '#d62728', '#9467bd', '#8c564b', '#e377c2', '#7f7f7f', '#bcbd22', '#17becf'];
  var MAX_POINTS = 2000;
  var series = new Map(); // key -> { metric, runId, taskId, steps: [], values: [] }
  var dirty = new Set();
  var scheduled = false;

  function num(value) { return typeof value === 'number' ? value : Number(value); }
  function fmt(value) {
    if (value === null || value === undefined) return '–';
    var n = num(value);
    if (!isFinite(n)) return String(n);
    if (Number.isInteger(n) && Math.abs(n) < 1e6) return String(n);
    if (Math.abs(n) >= 1e6) return (n / 1048576).toFixed(1) + ' Mi';
    return Math.abs(n) >= 100 ? n.toFixed(1) : n.toPrecision(4);
  }
  function el(tag, attributes, text) {
    var node = document.createElement(tag);
    for (var name in attributes || {}) node.setAttribute(name, attributes[name]);
    if (text !== undefined) node.textContent = text;
    return node;
  }
  function svgEl(tag, attributes) {
    var node = document.createElementNS('http://www.w3.org/2000/svg', tag);
    for (var name in attributes) node.setAttribute(name, attributes[name]);
    return node;
  }
  function isResource(metric) { return RESOURCE_PREFIXES.some(function (prefix) { return metric.indexOf(prefix) === 0; }); }
  function keyOf(point) { return point.metric + '\\u0000' + point.runId + '\\u0000' + (point.taskId === null ? '' : point.taskId); }

  function addPoint(point) {
    var key = keyOf(point);
    var entry = series.get(key);
    if (!entry) { entry = { metric: point.metric, runId: point.runId, taskId: point.taskId, steps: [], values: [] }; series.set(key, entry); }
    entry.steps.push(point.step);
    entry.values.push(num(point.value));
    if (entry.steps.length > MAX_POINTS) { entry.steps.shift(); entry.values.shift(); }
    dirty.add(point.metric);
  }

  function schedule() {
    if (scheduled) return;
    scheduled = true;
    requestAnimationFrame(function () { scheduled = false; var metrics = Array.from(dirty); dirty.clear(); metrics.forEach(drawChart); });
  }

  function chartFor(metric) {
    var id = 'chart-' + encodeURIComponent(metric).replace(/%/g, '_');
    var chart = document.getElementById(id);
    if (chart) return chart;
    var container = document.getElementById('curves');
    var placeholder = container.querySelector('p.muted');
    if (placeholder) placeholder.remove();
    chart = el('div', { id: id, class: 'chart', 'data-metric': metric });
    var title = el('h3');
    title.append(el('span', {}, metric + ' '), el('span', { class: 'muted', 'data-last': metric }, ''));
    chart.append(title, svgEl('svg', { viewBox: '0 0 400 160', preserveAspectRatio: 'none', 'data-metric': metric }), el('div', { class: 'legend' }));
    var charts = Array.from(container.children).concat([chart]).sort(function (a, b) { return a.dataset.metric.localeCompare(b.dataset.metric); });
    charts.forEach(function (node) { container.append(node); });
    return chart;
  }

  function drawChart(metric) {
    if (isResource(metric)) return;
    var chart = chartFor(metric);
    var svg = chart.querySelector('svg');
    var legend = chart.querySelector('.legend');
    var lines = Array.from(series.values()).filter(function (entry) { return entry.metric === metric; });
    var minX = Infinity, maxX = -Infinity, minY = Infinity, maxY = -Infinity, last = null;
    lines.forEach(function (entry) {
      entry.values.forEach(function (value, i) {
        if (!isFinite(value)) return;
        minX = Math.min(minX, entry.steps[i]); maxX = Math.max(maxX, entry.steps[i]);
        minY = Math.min(minY, value); maxY = Math.max(maxY, value);
      });
      if (entry.values.length) last = entry.values[entry.values.length - 1];
    });
    chart.querySelector('[data-last]').textContent = 'last ' + fmt(last);
    while (svg.firstChild) svg.firstChild.remove();
    legend.textContent = '';
    if (!isFinite(minX)) return;
    if (maxX === minX) maxX = minX + 1;
    if (maxY === minY) { maxY += 0.5; minY -= 0.5; }
    var pad = 6, width = 400, height = 160;
    function x(step) { return pad + (step - minX) / (maxX - minX) * (width - 2 * pad); }
    function y(value) { return height - pad - (value - minY) / (maxY - minY) * (height - 2 * pad); }
    svg.append(svgEl('text', { x: 4, y: 12, 'font-size': 10, fill: '#777' }));
    svg.lastChild.textContent = fmt(maxY);
    svg.append(svgEl('text', { x: 4, y: height - 4, 'font-size': 10, fill: '#777' }));
    svg.lastChild.textContent = fmt(minY);
    lines.forEach(function (entry, index) {
      var color = COLORS[index % COLORS.length];
      var coordinates = [];
      entry.values.forEach(function (value, i) { if (isFinite(value)) coordinates.push(x(entry.steps[i]).toFixed(1) + ',' + y(value).toFixed(1)); });
      var label = (entry.taskId === null ? '' : 'task ' + entry.taskId + ' ') + '(' + entry.runId + ')';
      svg.append(svgEl('polyline', { points: coordinates.join(' '), fill: 'none', stroke: color, 'stroke-width': 1.5,
        'vector-effect': 'non-scaling-stroke', 'data-series': label, 'data-points': String(coordinates.length) }));
      var item = el('span', {}, '■ ' + label);
      item.style.color = color;
      legend.append(item);
    });
  }

  function renderHealth(status) {
    var health = document.getElementById('health');
    health.textContent = status;
    health.className = status;
  }

  function renderMatrix(report) {
    var container = document.getElementById('matrix');
    var transfer = document.getElementById('transfer');
    if (!report || !report.tasks.length) return;
    var table = el('table', { id: 'accuracy-matrix' });
    var head = el('tr');
    head.append(el('th', {}, 'trained \\\\ evaluated'));
    report.tasks.forEach(function (task) { head.append(el('th', {}, task)); });
    table.append(head);
    report.matrix.forEach(function (row, i) {
      var tr = el('tr');
      tr.append(el('th', {}, report.tasks[i]));
      row.forEach(function (value, j) {
        var cell = el('td', { 'data-trained': report.tasks[i], 'data-evaluated': report.tasks[j] }, value === null ? '' : num(value).toFixed(3));
        if (value !== null && isFinite(num(value))) cell.style.background = 'hsl(' + Math.round(num(value) * 120) + ', 60%, 85%)';
        tr.append(cell);
      });
      table.append(tr);
    });
    container.replaceChildren(table);
    transfer.replaceChildren();
    [['ACC', report.averageAccuracy], ['BWT', report.backwardTransfer], ['FWT', report.forwardTransfer], ['avg forgetting', report.averageForgetting]]
      .forEach(function (pair) { transfer.append(el('dt', {}, pair[0]), el('dd', { 'data-measure': pair[0] }, fmt(pair[1]))); });
  }

  var alertCount = 0;
  function addAlert(alert) {
    var list = document.getElementById('alerts');
    var item = el('li', { class: alert.severity, 'data-rule': alert.ruleId }, '[' + alert.severity + '] ' + alert.message);
    list.prepend(item);
    while (list.children.length > 100) list.lastChild.remove();
    alertCount += 1;
    document.getElementById('alert-summary').textContent = alertCount + ' alert(s) shown, newest first.';
  }

  function renderResources(sample) {
    if (!sample) return;
    var list = document.getElementById('resources');
    list.replaceChildren();
    [['backend', sample.backend], ['adapter', sample.adapter], ['RSS', fmt(sample.rssBytes) + 'B'], ['heap used', fmt(sample.heapUsedBytes) + 'B'],
     ['CPU', fmt(sample.cpuPercent) + ' %'], ['tensors', String(sample.tfNumTensors)], ['tensor bytes', fmt(sample.tfNumBytes) + 'B'],
     ['sampled', new Date(num(sample.wallTime)).toLocaleTimeString()]]
      .forEach(function (pair) { list.append(el('dt', {}, pair[0]), el('dd', { 'data-resource': pair[0] }, pair[1] === null ? '–' : String(pair[1]))); });
  }

  function getJson(path) {
    return fetch(path + suffix, { headers: token ? { Authorization: 'Bearer ' + token } : {} }).then(function (response) {
      if (!response.ok) throw new Error(path + ': HTTP ' + response.status);
      return response.json();
    });
  }

  Promise.all([getJson('api/dashboard'), getJson('api/series')]).then(function (results) {
    var data = results[0];
    document.getElementById('run').textContent = 'run ' + data.runId;
    renderHealth(data.health);
    renderMatrix(data.evaluation);
    renderResources(data.resources);
    data.alerts.recent.forEach(addAlert);
    results[1].series.forEach(function (entry) {
      entry.steps.forEach(function (step, i) { addPoint({ metric: entry.metric, runId: entry.runId, taskId: entry.taskId, step: step, value: entry.values[i] }); });
    });
    schedule();
    var source = new EventSource('events' + suffix);
    source.addEventListener('open', function () { document.getElementById('connection').textContent = 'live'; document.body.dataset.live = 'true'; });
    source.addEventListener('error', function () { document.getElementById('connection').textContent = 'reconnecting…'; });
    source.addEventListener('points', function (event) { JSON.parse(event.data).forEach(addPoint); schedule(); });
    source.addEventListener('alert', function (event) { addAlert(JSON.parse(event.data)); });
    source.addEventListener('health', function (event) { renderHealth(JSON.parse(event.data)); });
    source.addEventListener('evaluation', function (event) { renderMatrix(JSON.parse(event.data)); });
    source.addEventListener('resources', function (event) { renderResources(JSON.parse(event.data)); });
    document.body.dataset.loaded = 'true';
  }).catch(function (error) {
    document.getElementById('connection').textContent = String(error.message || error);
  });
})();
`;
