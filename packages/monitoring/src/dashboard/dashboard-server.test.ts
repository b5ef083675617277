import { HEADLESS_CHROMIUM_ARGS } from '@holomind/testing';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { request } from 'node:http';
import os from 'node:os';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { chromium, type BrowserContext } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AlertManager } from '../alert-manager.js';
import { ContinualEvaluator } from '../continual-evaluator.js';
import { MonitoringError } from '../errors.js';
import { MetricsTracker } from '../metrics-tracker.js';
import { ResourceSampler } from '../resource-sampler.js';
import { DashboardData } from './dashboard-data.js';
import { generateDashboardToken, startDashboardServer, type DashboardServer } from './dashboard-server.js';

const chromiumPath = process.env.HOLOMIND_CHROMIUM ?? '/usr/bin/chromium';

function monitoredRun() {
  const tracker = new MetricsTracker({
    runId: 'split-mnist',
    metrics: { loss: { goal: 'minimize' }, accuracy: { goal: 'maximize' } },
  });
  const alerts = new AlertManager({
    tracker,
    cooldownMs: 0,
    rules: [{ metric: 'loss', direction: 'above', warning: 2, critical: 10 }],
  });
  const evaluator = new ContinualEvaluator({ tasks: ['digits 0-4', 'digits 5-9'] });
  const resources = new ResourceSampler({ tracker, backendInfo: { name: 'wasm' } });
  return { tracker, alerts, evaluator, resources, data: new DashboardData({ tracker, alerts, evaluator, resources }) };
}

/** GET with full control of headers (fetch may not set Host). */
function get(url: string, headers: Record<string, string> = {}): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const call = request(url, { headers }, (response) => {
      let body = '';
      response.setEncoding('utf8');
      response.on('data', (chunk: string) => {
        body += chunk;
        // The event stream never ends; its first bytes are enough.
        if (response.headers['content-type']?.startsWith('text/event-stream')) response.destroy();
      });
      response.on('close', () => resolve({ status: response.statusCode ?? 0, body }));
    });
    call.on('error', reject);
    call.end();
  });
}

beforeAll(async () => {
  await tf.setBackend('cpu');
});

describe('startDashboardServer configuration', () => {
  it('refuses to bind beyond loopback without a token, and refuses weak tokens', async () => {
    const { data } = monitoredRun();
    let error: unknown;
    try {
      await startDashboardServer({ data, host: '0.0.0.0' });
    } catch (caught) {
      error = caught;
    }
    expect(MonitoringError.isInstance(error) && error.code).toBe('DASHBOARD_TOKEN_REQUIRED');
    expect((error as Error).message).toMatch(/pass token: generateDashboardToken\(\)/);
    await expect(startDashboardServer({ data, token: 'short' })).rejects.toThrow(/at least 16 characters/);
    expect(generateDashboardToken()).toMatch(/^[A-Za-z0-9_-]{32}$/);
  });
});

describe('dashboard HTTP access', () => {
  let server: DashboardServer;
  let open: DashboardServer;
  const token = generateDashboardToken();

  beforeAll(async () => {
    server = await startDashboardServer({ data: monitoredRun().data, token });
    open = await startDashboardServer({ data: monitoredRun().data });
  });
  afterAll(async () => {
    await server?.close();
    await open?.close();
  });

  it('refuses every route without the token when one is set, and serves it with the token', async () => {
    const base = `http://127.0.0.1:${server.port}`;
    for (const route of ['/', '/app.js', '/api/dashboard', '/api/series', '/events']) {
      expect((await get(`${base}${route}`)).status, route).toBe(401);
      expect((await get(`${base}${route}?token=${token}x`)).status, `${route} wrong token`).toBe(401);
      expect((await get(`${base}${route}`, { Authorization: `Bearer ${token}` })).status, `${route} bearer`).toBe(200);
    }
    const dashboard = await get(`${base}/api/dashboard?token=${token}`);
    expect(JSON.parse(dashboard.body)).toMatchObject({ runId: 'split-mnist', health: 'green' });
  });

  it('without a token, answers only requests addressed to a loopback host name', async () => {
    expect((await get(`http://127.0.0.1:${open.port}/api/dashboard`)).status).toBe(200);
    expect((await get(`http://127.0.0.1:${open.port}/api/dashboard`, { Host: `localhost:${open.port}` })).status).toBe(200);
    // What a DNS-rebinding page would send: its own host name.
    expect((await get(`http://127.0.0.1:${open.port}/api/dashboard`, { Host: `attacker.example:${open.port}` })).status).toBe(
      403,
    );
  });
});

describe('dashboard in headless Chromium', () => {
  let context: BrowserContext | undefined;
  let profile: string | undefined;
  let skipReason: string | undefined;

  beforeAll(async () => {
    if (!existsSync(chromiumPath)) {
      skipReason = `no Chromium at ${chromiumPath} (apt-get install -y chromium, or set HOLOMIND_CHROMIUM)`;
      // CI sets this so a missing browser fails the run instead of hiding behind a skip.
      if (process.env.HOLOMIND_REQUIRE_BROWSER === '1') throw new Error(skipReason);
      console.warn(`SKIPPED dashboard browser tests: ${skipReason}`);
      return;
    }
    profile = mkdtempSync(path.join(os.tmpdir(), 'holomind-chromium-'));
    context = await chromium.launchPersistentContext(profile, {
      executablePath: chromiumPath,
      headless: true,
      args: [...HEADLESS_CHROMIUM_ARGS],
    });
  });
  afterAll(async () => {
    await context?.close();
    if (profile) rmSync(profile, { recursive: true, force: true });
  });

  it('loads the page, shows the run, updates live on new metrics, alerts and evaluations, and is refused without the token', async (test) => {
    if (skipReason) return test.skip();
    const run = monitoredRun();
    const { tracker, evaluator, resources } = run;
    for (let step = 0; step < 20; step++)
      tracker.log({ loss: 1.5 - step * 0.05, accuracy: 0.5 + step * 0.02 }, { step, taskId: 'digits 0-4' });
    tracker.log({ loss: 2.5 }, { step: 20, taskId: 'digits 0-4' }); // fires a warning
    evaluator.recordRow('digits 0-4', [0.97, 0.12]);
    resources.sample();
    const token = generateDashboardToken();
    const server = await startDashboardServer({ data: run.data, token, pushIntervalMs: 50 });
    const page = await context!.newPage();
    const consoleErrors: string[] = [];
    try {
      const refused = await page.goto(`http://127.0.0.1:${server.port}/`);
      expect(refused!.status()).toBe(401);
      expect(await page.textContent('body')).toMatch(/^Unauthorized/);
      page.on('console', (message) => {
        if (message.type() === 'error') consoleErrors.push(message.text());
      });

      const response = await page.goto(server.url);
      expect(response!.status()).toBe(200);
      await page.waitForSelector('body[data-live="true"]');
      expect(await page.textContent('#run')).toBe('run split-mnist');
      expect(await page.textContent('#health')).toBe('yellow');
      const lossLine = page.locator('#chart-epoch');
      const lastLoss = () => page.textContent('#latest tr[data-metric="loss"] td.value');
      await expect.poll(() => lossLine.getAttribute('data-points')).toBe('21');
      expect(await page.locator('#chart-metric-accuracy').getAttribute('data-points')).toBe('20');
      expect(await page.locator('#chart-epoch canvas').count()).toBe(1); // drawn by uPlot
      expect(await lastLoss()).toBe('2.500');
      expect(await page.textContent('td[data-trained="digits 0-4"][data-evaluated="digits 0-4"]')).toBe('0.970');
      expect(await page.textContent('td[data-trained="digits 0-4"][data-evaluated="digits 5-9"]')).toBe('0.120');
      expect(await page.locator('#alerts li.warning').textContent()).toMatch(
        /loss \(task digits 0-4\) = 2.5 > warning threshold 2/,
      );
      expect(await page.textContent('[data-resource="backend"]')).toBe('wasm');

      // Live updates over server-sent events: a metric, a critical alert, a new matrix row.
      tracker.log({ loss: 0.42 }, { step: 21, taskId: 'digits 0-4' });
      await expect.poll(() => lossLine.getAttribute('data-points')).toBe('22');
      await expect.poll(lastLoss).toBe('0.4200');
      tracker.log({ loss: Number.NaN }, { step: 22, taskId: 'digits 0-4' });
      await expect.poll(() => page.locator('#alerts li.critical').count()).toBe(1);
      await expect.poll(() => page.textContent('#health')).toBe('red');
      await expect.poll(lastLoss).toBe('NaN');
      tracker.log({ accuracy: 0.9 }, { step: 30, taskId: 'digits 5-9' });
      await expect.poll(() => page.locator('#chart-metric-accuracy').getAttribute('data-lines')).toBe('2');
      evaluator.recordRow('digits 5-9', [0.71, 0.95]);
      await expect.poll(() => page.textContent('td[data-trained="digits 5-9"][data-evaluated="digits 0-4"]')).toBe('0.710');
      await expect.poll(() => page.textContent('[data-measure="BWT"]')).toBe('-0.2600');
      expect(server.liveClients).toBe(1);
      expect(consoleErrors).toEqual([]);
    } finally {
      await page.close();
      await server.close();
    }
  });
});
