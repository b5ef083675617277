import { HEADLESS_CHROMIUM_ARGS } from '@holomind/testing';
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { chromium, type BrowserContext } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDatabase, ExperimentRepository } from '@holomind/db';
import { SqlMetricSink } from '@holomind/monitoring';

const cli = fileURLToPath(new URL('../dist/cli.js', import.meta.url));
const chromiumPath = process.env.HOLOMIND_CHROMIUM ?? '/usr/bin/chromium';
/** Where the screenshots stay for CI to keep (named in the README). */
export const SCREENSHOT_DIR = fileURLToPath(new URL('../.test-results/screenshots/', import.meta.url));
const workspace = mkdtempSync(path.join(os.tmpdir(), 'holomind-dashboard-'));

describe('holomind train --dashboard in headless Chromium', () => {
  let context: BrowserContext | undefined;
  let skipReason: string | undefined;

  beforeAll(async () => {
    if (!existsSync(chromiumPath)) {
      skipReason = `no Chromium at ${chromiumPath} (apt-get install -y chromium, or set HOLOMIND_CHROMIUM)`;
      if (process.env.HOLOMIND_REQUIRE_BROWSER === '1') throw new Error(skipReason);
      console.warn(`SKIPPED train --dashboard browser test: ${skipReason}`);
      return;
    }
    context = await chromium.launchPersistentContext(path.join(workspace, 'profile'), {
      executablePath: chromiumPath,
      headless: true,
      viewport: { width: 1400, height: 1800 },
      args: [...HEADLESS_CHROMIUM_ARGS],
    });
  });
  afterAll(async () => {
    await context?.close();
    rmSync(workspace, { recursive: true, force: true });
  });

  it('watches the curves grow while a 5-task run trains, then shows the database’s final numbers and five task lines', async (test) => {
    if (skipReason) return test.skip();
    const output = path.join(workspace, 'run');
    const config = path.join(workspace, 'config.yaml');
    // Per-step points at every optimizer step, each seen task evaluated every 2 steps (and at every epoch's end).
    writeFileSync(
      config,
      'holomind:\n  columns: false\n  ewc: true\n  memoryRead: true\nmonitoring:\n  stepEvery: 1\n  evaluateEvery: 2\n  evaluationSamples: 100\n  histogramEvery: 8\n',
    );
    const args = ['train', '--config', config, '--benchmark', 'split-mnist', '--strategy', 'holomind', '--tasks', '5'];
    args.push('--epochs', '2', '--train-per-task', '160', '--test-per-task', '200', '--seed', '3', '--backend', 'wasm');
    args.push('--output', output, '--db', `sqlite:${output}/holomind.db`, '--dashboard', '0');
    const child = spawn(process.execPath, [cli, ...args], { env: { ...process.env, HOLOMIND_QUIET: '1' } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    const page = await context!.newPage();
    const errors: string[] = [];
    page.on('pageerror', (error) => errors.push(error.message));
    try {
      await expect.poll(() => /Dashboard: (\S+)/.exec(stdout)?.[1], { timeout: 120_000, interval: 200 }).toBeTruthy();
      const url = /Dashboard: (\S+)/.exec(stdout)![1]!;
      expect(new URL(url).hostname).toBe('127.0.0.1');
      await page.goto(url);
      await page.waitForSelector('body[data-live="true"]');

      // While training runs, the per-step loss chart and the per-task accuracy chart gain points.
      const lossPoints = async () => Number(await page.getAttribute('#chart-loss', 'data-points'));
      const seen: number[] = [];
      while (!stdout.includes('Training finished')) {
        const count = await lossPoints();
        if (seen.at(-1) !== count) seen.push(count);
        await page.waitForTimeout(150);
        if (child.exitCode !== null) throw new Error(`train exited early (${child.exitCode}):\n${stdout}\n${stderr}`);
      }
      expect(seen.length, `loss point counts seen while training: ${seen.join(', ')}`).toBeGreaterThanOrEqual(3);
      expect([...seen].sort((a, b) => a - b)).toEqual(seen);

      const db = await createDatabase(`sqlite:${output}/holomind.db`);
      try {
        const [experiment] = await new ExperimentRepository(db).list();
        const reader = new SqlMetricSink(db);
        const points = await reader.readPoints({ runId: experiment!.id });
        await reader.close();
        const lastOf = (metric: string, taskId: string | null) => {
          const series = points.filter((point) => point.metric === metric && point.taskId === taskId);
          return series.reduce((last, point) => (point.step >= last.step ? point : last));
        };
        const trainLoss = points.filter((point) => point.metric === 'train/loss');
        // Total, task loss and penalty at every logged step, plus each strategy part's own term (EWC
        // and replay from the second task on), one line each.
        const terms = points.filter((point) => point.metric.startsWith('train/term/'));
        expect(new Set(terms.map((point) => point.metric))).toEqual(new Set(['train/term/ewc', 'train/term/replay']));
        await expect.poll(lossPoints, { timeout: 10_000 }).toBe(3 * trainLoss.length + terms.length);
        await expect.poll(() => page.getAttribute('#chart-loss', 'data-lines')).toBe('5');
        // The episodic memory's stored examples per class: one line per class over training.
        const classCounts = new Set(points.filter((p) => p.metric.includes('/class_count/')).map((p) => p.metric));
        expect(classCounts.size).toBe(10);
        await expect.poll(() => page.getAttribute('#chart-memory-classes', 'data-lines')).toBe('10');

        // Five lines of per-task accuracy, each starting when its task is first trained and running to the end.
        const accuracy = page.locator('#chart-task-accuracy');
        await expect.poll(() => accuracy.getAttribute('data-lines')).toBe('5');
        const firsts: number[] = [];
        const lasts: number[] = [];
        for (let task = 0; task < 5; task++) {
          const steps = points.filter((p) => p.metric === 'task_accuracy' && p.taskId === `task-${task}`).map((p) => p.step);
          firsts.push(Math.min(...steps));
          lasts.push(Math.max(...steps));
        }
        const taskStarts = points
          .filter((p) => p.metric === 'progress/optimizer_step')
          .sort((a, b) => a.step - b.step)
          .filter((_, i) => i % 2 === 1) // 2 epochs per task: the optimizer step at each task's end
          .map((p) => p.value);
        for (let task = 1; task < 5; task++) {
          expect(firsts[task]).toBeGreaterThan(taskStarts[task - 1]!);
          expect(firsts[task]).toBeLessThanOrEqual(taskStarts[task]!);
        }
        expect(new Set(lasts).size).toBe(1);

        // The final numbers on the page are the database's.
        const checks: Array<[string, string | null]> = [
          ['train/loss', null],
          ['train/gradient_norm', null],
          ['memory/fill', null],
          ['train/term/replay', null],
          ['strategy/replay/class_count/0', null],
          ['system/rss_bytes', null],
          ['average_accuracy', null],
          ...Array.from({ length: 5 }, (_, task) => ['task_accuracy', `task-${task}`] as [string, string]),
        ];
        for (const [metric, taskId] of checks) {
          const cell = page.locator(`#latest tr[data-metric="${metric}"][data-task="${taskId ?? ''}"] td.value`);
          await expect.poll(() => cell.getAttribute('data-value')).toBe(String(lastOf(metric, taskId).value));
        }
        await expect.poll(() => page.textContent('#memory-health')).toMatch(/^(green|yellow|red)$/);
        expect(await page.locator('#hparams td', { hasText: 'training.epochs' }).count()).toBe(1);
      } finally {
        await db.destroy();
      }
      mkdirSync(SCREENSHOT_DIR, { recursive: true });
      await page.screenshot({ path: path.join(SCREENSHOT_DIR, 'dashboard.png'), fullPage: true });
      // The report draws the same: five task lines over the run, each strategy term, the memory per class.
      const legend = (chart: string) =>
        [...readFileSync(path.join(output, 'report', `${chart}.svg`), 'utf8').matchAll(/<text[^>]*>([^<]*)<\/text>/g)].map(
          (m) => m[1],
        );
      expect(legend('task-accuracy')).toEqual(expect.arrayContaining(['task-0', 'task-1', 'task-2', 'task-3', 'task-4']));
      expect(legend('loss-per-step')).toEqual(expect.arrayContaining(['total', 'task loss', 'ewc term', 'replay term']));
      expect(legend('memory-per-class')).toEqual(expect.arrayContaining(['replay: class 0', 'replay: class 9']));
      await page.goto(pathToFileURL(path.join(output, 'report', 'report.html')).href);
      await page.screenshot({ path: path.join(SCREENSHOT_DIR, 'report.png'), fullPage: true });
      expect(errors).toEqual([]);
    } finally {
      await page.close();
      child.kill('SIGINT');
      expect(await exited, stderr).toBe(0);
    }
  }, 300_000);
});
