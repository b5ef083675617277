import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { installPackedPackages, type PackedProject } from '@holomind/testing';

const packageDir = fileURLToPath(new URL('..', import.meta.url));
// better-sqlite3 builds from source for minutes; the user's copy is stood in for by the workspace's
// built one, loaded by path. Everything else comes from the tarball and the registry.
const betterSqlite3 = path.dirname(createRequire(import.meta.url).resolve('better-sqlite3/package.json'));

describe('@holomind/monitoring installed alone from its tarball', () => {
  let project: PackedProject;

  beforeAll(async () => {
    project = await installPackedPackages({
      packageDirs: [packageDir],
      registryDependencies: { '@tensorflow/tfjs-core': '4.22.0', '@tensorflow/tfjs-backend-cpu': '4.22.0', kysely: '0.29.9' },
    });
  });
  afterAll(() => project?.remove());

  it('tracks, alerts, stores in SQLite, writes TensorBoard files, renders a PNG, serves the dashboard, then exits on its own', async () => {
    const output = await project.runScript(
      `
      import { createRequire } from 'node:module';
      import { mkdtempSync, readdirSync, statSync } from 'node:fs';
      import os from 'node:os';
      import path from 'node:path';
      import * as tf from '@tensorflow/tfjs-core';
      import '@tensorflow/tfjs-backend-cpu';
      import { Kysely, SqliteDialect } from 'kysely';
      import {
        AlertManager, ContinualEvaluator, DashboardData, MetricsTracker, ResourceSampler, SqlMetricSink, TensorBoardWriter,
        accuracyMatrixChart, generateDashboardToken, metricMigrations, renderPng, startDashboardServer, tensorBoardSink,
      } from '@holomind/monitoring';
      await tf.setBackend('cpu');
      const Database = createRequire(import.meta.url)(process.env.BETTER_SQLITE3);
      const db = new Kysely({ dialect: new SqliteDialect({ database: new Database(':memory:') }) });
      // Without @holomind/db installed, the set's migrations are applied directly.
      for (const migration of Object.values(metricMigrations.migrations)) await migration.up(db, { dialect: 'sqlite' });
      const folder = mkdtempSync(path.join(os.tmpdir(), 'pack-tb-'));
      const writer = new TensorBoardWriter(folder);
      const sink = new SqlMetricSink(db);
      const tracker = new MetricsTracker({ metrics: { loss: { goal: 'minimize' } }, sinks: [sink, tensorBoardSink(writer)] });
      const alerts = new AlertManager({ tracker, rules: [{ metric: 'loss', direction: 'above', warning: 1 }] });
      const resources = new ResourceSampler({ tracker, intervalMs: 50 }).start();
      const evaluator = new ContinualEvaluator();
      evaluator.recordRow(0, [0.9]);
      evaluator.recordRow(1, [0.7, 0.8]);
      tracker.log({ loss: 2 }, { step: 1 });
      tracker.log({ loss: NaN }, { step: 2 });
      await tracker.flush();
      const stored = await sink.readPoints({ metric: 'loss' });
      const storedAlerts = await sink.readAlerts();
      const png = await renderPng(accuracyMatrixChart(evaluator.toJSON()));
      const token = generateDashboardToken();
      const server = await startDashboardServer({ data: new DashboardData({ tracker, alerts, evaluator, resources }), token });
      const refused = (await fetch('http://127.0.0.1:' + server.port + '/api/dashboard')).status;
      const dashboard = await (await fetch(server.url.replace('/?', '/api/dashboard?'))).json();
      await server.close();
      await tracker.close();
      await db.destroy();
      const eventFile = path.join(folder, readdirSync(folder)[0]);
      console.log(JSON.stringify({
        stored: stored.map((point) => String(point.value)),
        alerts: storedAlerts.map((alert) => alert.kind),
        bwt: evaluator.backwardTransfer(),
        png: Array.from(png.subarray(1, 4)),
        refused,
        health: dashboard.health,
        tensorboardBytes: statSync(eventFile).size > 100,
        sampling: resources.running,
      }));
      `,
      { BETTER_SQLITE3: betterSqlite3 },
    );
    const result = JSON.parse(output.trim().split('\n').pop()!);
    expect(result).toMatchObject({
      stored: ['2', 'NaN'],
      alerts: ['threshold', 'non-finite'],
      png: [0x50, 0x4e, 0x47],
      refused: 401,
      health: 'red',
      tensorboardBytes: true,
      sampling: true, // still running: the process exits anyway because its timer is unref'ed
    });
    expect(result.bwt).toBeCloseTo(-0.2, 12);
  });
});
