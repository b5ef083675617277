import { HEADLESS_CHROMIUM_ARGS } from '@holomind/testing';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { build, preview, type PreviewServer } from 'vite';

export const playgroundRoot = path.resolve(import.meta.dirname, '..');
/** Screenshots and the adapter record of the browser tests (kept as CI artefacts). */
export const artefactsFolder = path.join(playgroundRoot, 'test-results');
export const chromiumPath = process.env.HOLOMIND_CHROMIUM ?? '/usr/bin/chromium';

/** Why the browser tests cannot run here, or undefined. With HOLOMIND_REQUIRE_BROWSER=1 a missing browser fails. */
export function browserSkipReason(): string | undefined {
  if (existsSync(chromiumPath)) return undefined;
  const reason = `no Chromium at ${chromiumPath} (apt-get install -y chromium, or set HOLOMIND_CHROMIUM)`;
  if (process.env.HOLOMIND_REQUIRE_BROWSER === '1') throw new Error(reason);
  console.warn(`SKIPPED playground browser tests: ${reason}`);
  return reason;
}

/** Builds the page once (unless dist/ is newer than src/) and serves dist/ on a free loopback port. */
export async function serveBuiltPage(): Promise<{ url: string; close: () => Promise<void> }> {
  if (!existsSync(path.join(playgroundRoot, 'dist', 'index.html')) || process.env.HOLOMIND_PLAYGROUND_REBUILD === '1') {
    await build({ root: playgroundRoot, logLevel: 'warn' });
  }
  const server: PreviewServer = await preview({
    root: playgroundRoot,
    logLevel: 'warn',
    preview: { host: '127.0.0.1', port: 0 },
  });
  const { port } = server.httpServer.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}/`, close: () => server.close() };
}

/** A fresh Chromium profile (its own IndexedDB), headless, with or without WebGPU. */
export async function launchChromium(options: {
  webgpu: boolean;
}): Promise<{ context: BrowserContext; close: () => Promise<void> }> {
  const profile = mkdtempSync(path.join(os.tmpdir(), 'holomind-playground-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: chromiumPath,
    headless: true,
    viewport: { width: 1280, height: 900 },
    args: [...HEADLESS_CHROMIUM_ARGS, ...(options.webgpu ? ['--enable-unsafe-webgpu'] : [])],
  });
  return {
    context,
    close: async () => {
      await context.close();
      rmSync(profile, { recursive: true, force: true });
    },
  };
}

/** Where a test keeps one screenshot. */
export function screenshotPath(name: string): string {
  mkdirSync(artefactsFolder, { recursive: true });
  return path.join(artefactsFolder, `${name}.png`);
}

/** What one visit of the page showed. */
export interface VisitRecord {
  backend: string;
  backendText: string;
  note: string | null;
  matrixRows: number;
  taskSeconds: number[];
}

/** Reads the page's record of a visit once its status says paused, finished or error. */
export async function waitForVisit(page: Page, timeoutMs: number): Promise<VisitRecord> {
  await page.waitForSelector('#status[data-state]', { timeout: timeoutMs });
  const state = await page.getAttribute('#status', 'data-state');
  if (state === 'error') throw new Error(`The page failed: ${await page.textContent('#status')}`);
  return page.evaluate(() => {
    const note = document.getElementById('backend-note')!;
    return {
      backend: document.getElementById('backend')!.dataset.backend ?? '',
      backendText: document.getElementById('backend')!.textContent ?? '',
      note: note.hidden ? null : note.textContent,
      matrixRows: [...document.querySelectorAll('#matrix tr')].filter((row) => row.querySelector('td[data-cell]')).length,
      taskSeconds: [...document.querySelectorAll<HTMLElement>('#timings li')].map((item) => Number(item.dataset.seconds)),
    };
  });
}

/** Accuracy-matrix cells as numbers (percent), `cells[i][j]` after task i on task j. */
export async function matrixCells(page: Page): Promise<number[][]> {
  return page.evaluate(() =>
    [...document.querySelectorAll('#matrix tr')]
      .map((row) => [...row.querySelectorAll<HTMLElement>('td[data-cell]')].map((cell) => Number(cell.textContent)))
      .filter((row) => row.length > 0),
  );
}

/** How one backend's page run goes: sizes, and how far the reloaded visit trains. */
export interface PageRunOptions {
  baseUrl: string;
  page: Page;
  backend: 'auto' | 'wasm';
  run: string;
  trainPerTask: number;
  /** After the reload: train the resumed task to its end, or stop once its first step is done. */
  resumeUntil: 'first-step' | 'task-end';
  timeoutMs: number;
}

/** Frames the page drew so far (its own requestAnimationFrame counter). */
export async function framesDrawn(page: Page): Promise<number> {
  return page.evaluate(() => Number(document.getElementById('heartbeat')!.textContent!.replace(/\D/g, '')));
}

/**
 * Trains two tasks, checks the matrix, reloads and checks the page resumes from the stored
 * checkpoint (the matrix comes back, the third task trains). Returns what each visit showed.
 */
export async function trainReloadResume(
  options: PageRunOptions,
): Promise<{ first: VisitRecord; resumed: VisitRecord | undefined }> {
  const { page, baseUrl, backend, run, trainPerTask, timeoutMs } = options;
  const url = (stopAfter: number) =>
    `${baseUrl}?run=${run}&backend=${backend}&train=${trainPerTask}&test=100&stopAfter=${stopAfter}`;
  await page.goto(url(2));
  const first = await waitForVisit(page, timeoutMs);
  await page.screenshot({ path: screenshotPath(`${run}-after-2-tasks`), fullPage: true });
  await page.goto(url(1));
  await page.waitForSelector('#checkpoint-note[data-resumed-tasks="2"]', { timeout: 60_000 });
  // The stored two rows (3 cells) come back at once; task 3 may already have added its row (6
  // cells) by the first poll, since the resumed page trains on straight away.
  await page.waitForFunction(() => document.querySelectorAll('#matrix td[data-cell]').length >= 3, undefined, {
    timeout: 10_000,
  });
  await page.waitForFunction(
    () =>
      // Task 3 trained to its end: its progress bar full while it is still named, or the status that
      // follows at once ("Paused after 3 task(s)"): a fast task can pass between two polls.
      ((document.getElementById('progress') as HTMLProgressElement).value >= 1 &&
        /task 3/.test(document.getElementById('status')!.textContent!)) ||
      /after 3 task|all 3 tasks/.test(document.getElementById('status')!.textContent!),
    undefined,
    {
      timeout: timeoutMs,
    },
  );
  if (options.resumeUntil === 'first-step') {
    await page.screenshot({ path: screenshotPath(`${run}-resumed`), fullPage: true });
    return { first, resumed: undefined };
  }
  const resumed = await waitForVisit(page, timeoutMs);
  await page.screenshot({ path: screenshotPath(`${run}-resumed`), fullPage: true });
  return { first, resumed };
}

/** Appends what a test saw of a backend to test-results/adapters.json (an artefact beside the screenshots). */
export function recordAdapter(test: string, record: VisitRecord): void {
  const file = path.join(artefactsFolder, 'adapters.json');
  mkdirSync(artefactsFolder, { recursive: true });
  const records = existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as unknown[]) : [];
  records.push({
    test,
    backend: record.backend,
    description: record.backendText,
    note: record.note,
    taskSeconds: record.taskSeconds,
    at: new Date().toISOString(),
  });
  writeFileSync(file, JSON.stringify(records, null, 2) + '\n');
  const timing =
    record.taskSeconds.length > 0 ? `; first task trained in ${record.taskSeconds[0]!.toFixed(1)} s (printed, not asserted)` : '';
  console.log(`${test}: ${record.backendText}${timing}`);
}
