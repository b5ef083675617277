import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  browserSkipReason,
  framesDrawn,
  launchChromium,
  matrixCells,
  recordAdapter,
  screenshotPath,
  serveBuiltPage,
  trainReloadResume,
  waitForVisit,
} from './harness.js';

const skipReason = browserSkipReason();

describe.skipIf(skipReason)('the playground page on wasm, and its bad inputs', () => {
  let server: Awaited<ReturnType<typeof serveBuiltPage>>;
  let browser: Awaited<ReturnType<typeof launchChromium>>;

  beforeAll(async () => {
    server = await serveBuiltPage();
    // No --enable-unsafe-webgpu: this Chromium offers no navigator.gpu at all.
    browser = await launchChromium({ webgpu: false });
  });
  afterAll(async () => {
    await browser?.close();
    await server?.close();
  });

  it('trains two tasks on wasm, fills the matrix, resumes after a reload and answers a drawn digit', async () => {
    const page = await browser.context.newPage();
    const { first, resumed } = await trainReloadResume({
      page,
      baseUrl: server.url,
      backend: 'wasm',
      run: 'wasm',
      trainPerTask: 300,
      resumeUntil: 'task-end',
      timeoutMs: 120_000,
    });
    recordAdapter('wasm', first);
    expect(first.backend).toBe('wasm');
    expect(first.note).toBeNull();
    expect(first.matrixRows).toBe(2);
    expect(resumed!.matrixRows).toBe(3);
    // The resumed visit trained only task 3: its restored rows are the first visit's.
    expect(resumed!.taskSeconds).toHaveLength(1);
    const cells = await matrixCells(page);
    console.log(`wasm accuracy matrix (%): ${JSON.stringify(cells)}`);
    expect(cells.map((row) => row.length)).toEqual([1, 2, 3]);
    // One epoch of 270 digits: far above the 10% of a 10-way guess, not yet good.
    expect(cells[2]![2]).toBeGreaterThan(25);
    expect(await framesDrawn(page)).toBeGreaterThan(10);

    // A "1": one vertical stroke on the drawing pad.
    await page.locator('#pad').scrollIntoViewIfNeeded();
    const pad = (await page.locator('#pad').boundingBox())!;
    await page.mouse.move(pad.x + pad.width / 2, pad.y + pad.height * 0.2);
    await page.mouse.down();
    for (let step = 1; step <= 10; step++) await page.mouse.move(pad.x + pad.width / 2, pad.y + pad.height * (0.2 + 0.06 * step));
    await page.mouse.up();
    await page.waitForSelector('#prediction[data-digit]', { timeout: 30_000 });
    const digit = Number(await page.getAttribute('#prediction', 'data-digit'));
    expect(digit).toBeGreaterThanOrEqual(0);
    expect(digit).toBeLessThan(6); // only digits 0-5 have been taught
    expect(await page.textContent('#prediction')).toMatch(/answered by task [1-3]'s knowledge/);
    await page.screenshot({ path: screenshotPath('wasm-prediction'), fullPage: true });
  });

  it('reports a corrupted stored checkpoint and starts that run afresh, keeping the other runs', async () => {
    const page = await browser.context.newPage();
    await page.goto(`${server.url}kernels.html`);
    // A bit flip in a stored weight: copy run 'wasm' to run 'flipped' with one float changed.
    await page.evaluate(
      () =>
        new Promise<void>((resolve, reject) => {
          const opening = indexedDB.open('holomind-playground', 1);
          opening.onerror = () => reject(opening.error);
          opening.onsuccess = () => {
            const transaction = opening.result.transaction('checkpoints', 'readwrite');
            transaction.oncomplete = () => resolve();
            transaction.onerror = () => reject(transaction.error);
            const store = transaction.objectStore('checkpoints');
            const reading = store.get('wasm');
            reading.onsuccess = () => {
              const record = reading.result as { run: string; learner: { network: { arrays: Record<string, Float32Array> } } };
              const weights = Object.values(record.learner.network.arrays)[0]!;
              weights[0] = weights[0]! + 0.5;
              record.run = 'flipped';
              store.put(record);
            };
            reading.onerror = () => reject(reading.error);
          };
        }),
    );
    await page.goto(`${server.url}?run=flipped&backend=wasm&train=300&test=100&stopAfter=1`);
    const visit = await waitForVisit(page, 120_000);
    const note = await page.textContent('#checkpoint-note');
    expect(note).toMatch(/checkpoint of run 'flipped' is corrupted \(checksum/);
    expect(await page.getAttribute('#checkpoint-note', 'data-corrupted')).toBe('flipped');
    // Started afresh: one new row, not the copied three.
    expect(visit.matrixRows).toBe(1);
    await page.screenshot({ path: screenshotPath('corrupted-checkpoint'), fullPage: true });
    // The other run's checkpoint is untouched: it resumes.
    await page.goto(`${server.url}?run=wasm&backend=wasm&train=300&test=100&stopAfter=1`);
    await page.waitForSelector('#checkpoint-note[data-resumed-tasks="3"]', { timeout: 60_000 });
  });

  it('falls back to wasm with a visible note when the browser offers no WebGPU', async () => {
    const page = await browser.context.newPage();
    await page.goto(`${server.url}?run=fallback&backend=auto&train=100&test=50&stopAfter=1`);
    const visit = await waitForVisit(page, 120_000);
    recordAdapter('no-webgpu-fallback', visit);
    expect(visit.backend).toBe('wasm');
    // Chromium without the flag has navigator.gpu in workers but no adapter; other browsers lack navigator.gpu.
    expect(visit.note).toMatch(
      /(no WebGPU \(navigator\.gpu is missing\)|WebGPU returned no adapter).*training runs on WebAssembly/,
    );
    expect(await page.isVisible('#backend-note')).toBe(true);
    expect(visit.matrixRows).toBe(1);
    await page.screenshot({ path: screenshotPath('no-webgpu-fallback'), fullPage: true });
  });
});
