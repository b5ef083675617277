import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  browserSkipReason,
  framesDrawn,
  launchChromium,
  matrixCells,
  recordAdapter,
  serveBuiltPage,
  trainReloadResume,
} from './harness.js';

// Chromium's WebGPU here is SwiftShader (software Vulkan in the browser); most of the first task's
// time is pipeline compilation, so the page trains 200 digits per task.
const skipReason = browserSkipReason();

describe.skipIf(skipReason)('the playground page on WebGPU (Chromium, --enable-unsafe-webgpu)', () => {
  let server: Awaited<ReturnType<typeof serveBuiltPage>>;
  let browser: Awaited<ReturnType<typeof launchChromium>>;

  beforeAll(async () => {
    server = await serveBuiltPage();
    browser = await launchChromium({ webgpu: true });
  });
  afterAll(async () => {
    await browser?.close();
    await server?.close();
  });

  it('trains two tasks on WebGPU in a worker, fills the accuracy matrix, and resumes from its checkpoint after a reload', async () => {
    const page = await browser.context.newPage();
    const { first } = await trainReloadResume({
      page,
      baseUrl: server.url,
      backend: 'auto',
      run: 'webgpu',
      trainPerTask: 200,
      resumeUntil: 'first-step',
      timeoutMs: 240_000,
    });
    recordAdapter('webgpu', first);
    expect(first.backend).toBe('webgpu');
    expect(first.backendText).toMatch(/adapter: \w+/);
    expect(first.note).toBeNull();
    expect(first.matrixRows).toBe(2);
    expect(first.taskSeconds).toHaveLength(2);
    const cells = await matrixCells(page);
    expect(cells.map((row) => row.length)).toEqual([1, 2]);
    console.log(`webgpu accuracy matrix (%): ${JSON.stringify(cells)}`);
    // Each task right after training it: far above the 10% of a 10-way guess.
    expect(cells[0]![0]).toBeGreaterThan(25);
    expect(cells[1]![1]).toBeGreaterThan(25);
    // Since the reload the page kept drawing frames while the worker compiled and trained task 3.
    expect(await framesDrawn(page)).toBeGreaterThan(30);
  });
});
