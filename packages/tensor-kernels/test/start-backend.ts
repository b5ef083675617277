import { webGpuRequired } from '@holomind/testing';
import { initBackend } from '../src/init-backend.js';
import type { BackendName } from '../src/backends/backend-info.js';

/**
 * Starts `backend` for a test file. Returns undefined when it runs, or why it cannot (the caller
 * skips with that reason, printed). A missing WebGPU adapter fails instead when
 * HOLOMIND_REQUIRE_WEBGPU=1, so CI never passes by skipping.
 */
export async function startBackend(backend: BackendName): Promise<string | undefined> {
  try {
    await initBackend({ backends: backend });
    return undefined;
  } catch (error) {
    if (backend !== 'webgpu' || webGpuRequired()) throw error;
    const reason = (error as Error).message;
    console.warn(`SKIPPED ${backend}: ${reason}`);
    return reason;
  }
}
