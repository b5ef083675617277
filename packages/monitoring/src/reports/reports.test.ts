import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AlertManager } from '../alert-manager.js';
import { ContinualEvaluator } from '../continual-evaluator.js';
import { MetricsTracker } from '../metrics-tracker.js';
import { ResourceSampler } from '../resource-sampler.js';
import { decodePng } from '../test-support/png-decoder.js';
import { toJson } from '../to-json.js';
import { accuracyMatrixToCsv, alertsToCsv, metricPointsToCsv } from './csv.js';
import { accuracyMatrixChart, forgettingChart, memoryUseChart, renderPng, renderSvg, taskAccuracyChart } from './plots.js';
import { writeReport } from './report.js';

/** An RFC 4180 reader written for the test: quoted fields, doubled quotes, CRLF, line breaks in quotes. */
function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const character = text[i]!;
    if (quoted) {
      if (character === '"' && text[i + 1] === '"') {
        field += '"';
        i++;
      } else if (character === '"') quoted = false;
      else field += character;
    } else if (character === '"') quoted = true;
    else if (character === ',') {
      row.push(field);
      field = '';
    } else if (character === '\r' && text[i + 1] === '\n') {
      row.push(field);
      rows.push(row);
      row = [];
      field = '';
      i++;
    } else field += character;
  }
  expect(field, 'CSV must end with CRLF').toBe('');
  return rows;
}

function handMatrix(): ContinualEvaluator {
  const evaluator = new ContinualEvaluator({ tasks: ['A', 'B, "odd"', 'C'] });
  evaluator.recordRow('A', [0.9, 0.1, 0.2]);
  evaluator.recordRow('B, "odd"', [0.95, 0.85, 0.15]);
  evaluator.recordRow('C', [0.6, 0.8, 0.95]);
  return evaluator;
}

beforeAll(async () => {
  await tf.setBackend('cpu');
});

describe('CSV and JSON exports', () => {
  it('writes metric points that an RFC 4180 reader gets back, odd task names and NaN included', () => {
    const tracker = new MetricsTracker({ runId: 'run,1', now: () => Date.UTC(2025, 0, 2, 3, 4, 5, 6) });
    tracker.log({ loss: 0.5 }, { step: 1, taskId: 'say "hi",\nthen' });
    tracker.log({ loss: Number.NaN }, { step: 2 });
    tracker.log({ loss: 0.25 }, { step: 3, taskId: 'line\nbreak' });
    const text = metricPointsToCsv(tracker.points());
    expect(text, 'a lone line feed is quoted too').toContain('"line\nbreak"');
    const rows = parseCsv(text);
    expect(rows).toEqual([
      ['run_id', 'metric', 'task_id', 'step', 'value', 'wall_time_ms', 'wall_time'],
      ['run,1', 'loss', 'say "hi",\nthen', '1', '0.5', String(Date.UTC(2025, 0, 2, 3, 4, 5, 6)), '2025-01-02T03:04:05.006Z'],
      ['run,1', 'loss', '', '2', 'NaN', String(Date.UTC(2025, 0, 2, 3, 4, 5, 6)), '2025-01-02T03:04:05.006Z'],
      ['run,1', 'loss', 'line\nbreak', '3', '0.25', String(Date.UTC(2025, 0, 2, 3, 4, 5, 6)), '2025-01-02T03:04:05.006Z'],
    ]);
  });

  it('writes the accuracy matrix with one column per task and alerts with their messages', () => {
    expect(parseCsv(accuracyMatrixToCsv(handMatrix().toJSON()))).toEqual([
      ['trained_task', 'A', 'B, "odd"', 'C'],
      ['A', '0.9', '0.1', '0.2'],
      ['B, "odd"', '0.95', '0.85', '0.15'],
      ['C', '0.6', '0.8', '0.95'],
    ]);
    const tracker = new MetricsTracker({ metrics: { loss: {} } });
    const alerts = new AlertManager({ tracker, rules: [{ metric: 'loss', direction: 'above', warning: 1 }] });
    tracker.log({ loss: 2 }, { step: 4 });
    const rows = parseCsv(alertsToCsv(alerts.getHistory()));
    expect(rows[0]).toContain('message');
    expect(rows[1]![rows[0]!.indexOf('message')]).toBe('loss = 2 > warning threshold 1 at step 4');
  });

  it('keeps NaN and Infinity in JSON as strings instead of null', () => {
    expect(JSON.parse(toJson({ a: Number.NaN, b: [Infinity, -Infinity, 1] }))).toEqual({
      a: 'NaN',
      b: ['Infinity', '-Infinity', 1],
    });
  });
});

describe('charts', () => {
  it('draws the accuracy matrix as a heat map whose cells carry the matrix values', async () => {
    const svg = await renderSvg(accuracyMatrixChart(handMatrix().toJSON()));
    const cells = [
      ...svg.matchAll(
        /aria-label="task evaluated: (.*?); after training task: (.*?); accuracy: ([\d.]+)" role="graphics-symbol" aria-roledescription="rect mark"[^>]*fill="([^"]+)"/g,
      ),
    ];
    expect(cells.map((cell) => [cell[2], cell[1], Number(cell[3])]).sort()).toEqual(
      [
        ['A', 'A', 0.9],
        ['A', 'B, &quot;odd&quot;', 0.1],
        ['A', 'C', 0.2],
        ['B, &quot;odd&quot;', 'A', 0.95],
        ['B, &quot;odd&quot;', 'B, &quot;odd&quot;', 0.85],
        ['B, &quot;odd&quot;', 'C', 0.15],
        ['C', 'A', 0.6],
        ['C', 'B, &quot;odd&quot;', 0.8],
        ['C', 'C', 0.95],
      ].sort(),
    );
    expect(svg).toContain('>0.95<');

    // PNG: real bytes, the SVG's size × scale, and every cell's fill colour painted over a large area.
    const png = await renderPng(svg, { scale: 2 });
    const [, svgWidth, svgHeight] = /<svg[^>]* width="(\d+)" height="(\d+)"/.exec(svg)!;
    const image = decodePng(png);
    expect([image.width, image.height]).toEqual([Number(svgWidth) * 2, Number(svgHeight) * 2]);
    for (const cell of cells) {
      const [r, g, b] = cell[4]!.match(/\d+/g)!.map(Number);
      let count = 0;
      for (let i = 0; i < image.pixels.length; i += image.channels) {
        if (image.pixels[i] === r && image.pixels[i + 1] === g && image.pixels[i + 2] === b) count++;
      }
      // A cell is ≥ 56 × 56 SVG units = 112 × 112 pixels, minus its label.
      expect(count, `pixels of ${cell[4]}`).toBeGreaterThan(5000);
    }
  });

  it('draws task accuracy, forgetting and memory charts from tracked data', async () => {
    const tracker = new MetricsTracker();
    for (let step = 0; step < 10; step++) {
      tracker.log({ accuracy: 0.5 + step / 40 }, { step, taskId: 'A' });
      tracker.log({ accuracy: step === 3 ? Number.NaN : step / 10 }, { step, taskId: 'B' });
    }
    const accuracySvg = await renderSvg(taskAccuracyChart(tracker.points()));
    // One line per task and one point per finite value (the NaN is left out of the drawing).
    expect(accuracySvg.match(/aria-roledescription="line mark"/g)).toHaveLength(2);
    expect(accuracySvg.match(/aria-roledescription="point"/g)).toHaveLength(19);

    const forgettingSvg = await renderSvg(forgettingChart(handMatrix().forgetting()));
    expect(forgettingSvg.match(/aria-roledescription="bar"/g)).toHaveLength(2);
    expect(forgettingSvg).toMatch(/aria-label="task: A; forgetting: 0\.35/);

    const sampler = new ResourceSampler();
    sampler.sample();
    sampler.sample();
    const memorySvg = await renderSvg(memoryUseChart(sampler.history()));
    expect(memorySvg.match(/aria-roledescription="line mark"/g)).toHaveLength(3);
  });

  it('writes a report folder with JSON, CSV, SVG and PNG files', async () => {
    const folder = mkdtempSync(path.join(os.tmpdir(), 'holomind-report-'));
    try {
      const tracker = new MetricsTracker({ metrics: { accuracy: { goal: 'maximize' } } });
      const alerts = new AlertManager({ tracker });
      const resources = new ResourceSampler({ tracker });
      resources.sample();
      tracker.log({ accuracy: 0.4 }, { step: 0, taskId: 'A' });
      tracker.log({ accuracy: Number.NaN }, { step: 1, taskId: 'A' });
      const written = await writeReport(folder, { tracker, alerts, evaluator: handMatrix(), resources }, { pngScale: 1 });
      expect(readdirSync(folder).sort()).toEqual(
        [
          'accuracy-matrix.csv',
          'accuracy-matrix.png',
          'accuracy-matrix.svg',
          'alerts.csv',
          'forgetting.png',
          'forgetting.svg',
          'memory.png',
          'memory.svg',
          'metrics.csv',
          'report.json',
          'task-accuracy.png',
          'task-accuracy.svg',
        ].sort(),
      );
      expect(written).toHaveLength(12);
      const report = JSON.parse(readFileSync(path.join(folder, 'report.json'), 'utf8'));
      expect(report.alerts[0]).toMatchObject({ kind: 'non-finite', value: 'NaN' });
      expect(report.evaluation.averageForgetting).toBeCloseTo(0.2, 12);
      for (const name of readdirSync(folder).filter((file) => file.endsWith('.png'))) {
        const image = decodePng(readFileSync(path.join(folder, name)));
        expect(image.width * image.height, name).toBeGreaterThan(100 * 100);
      }
    } finally {
      rmSync(folder, { recursive: true, force: true });
    }
  });
});

afterAll(() => {
  expect(tf.memory().numTensors).toBe(0);
});
