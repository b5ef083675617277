import { existsSync } from 'node:fs';
import path from 'node:path';
import { workspaceRoot } from './workspace.js';

/**
 * Points the Vulkan loader at the lavapipe that `pnpm setup:webgpu` installed, unless the caller
 * already chose a driver. Must run before Dawn creates its instance; setting process.env here
 * reaches the loader because Node writes through to the C environment.
 */
export function useSoftwareWebGpuIfInstalled(): string | undefined {
  if (process.env.VK_DRIVER_FILES) return process.env.VK_DRIVER_FILES;
  const icd = path.join(workspaceRoot(), '.cache', 'webgpu', 'icd.json');
  if (!existsSync(icd)) return undefined;
  process.env.VK_DRIVER_FILES = icd;
  return icd;
}

/**
 * Whether a test that needs WebGPU may skip when no adapter exists. CI sets
 * HOLOMIND_REQUIRE_WEBGPU=1 so a missing adapter fails the run instead of hiding behind a skip.
 */
export function webGpuRequired(): boolean {
  return process.env.HOLOMIND_REQUIRE_WEBGPU === '1';
}

/**
 * Starts WebGPU with `start` (the caller's `initBackend({ backends: 'webgpu' })`; this package
 * cannot depend on tensor-kernels). Where no adapter exists and none is required, prints why the
 * test skips and returns false; where one is required, the failure propagates.
 */
export async function startedWebGpu(start: () => Promise<unknown>, what: string): Promise<boolean> {
  try {
    await start();
    return true;
  } catch (error) {
    if (webGpuRequired()) throw error;
    console.warn(`SKIPPED ${what} on webgpu: ${(error as Error).message}`);
    return false;
  }
}
