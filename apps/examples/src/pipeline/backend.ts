import { initBackend, type BackendInfo } from '@holomind/tensor-kernels';
import type { HolomindConfig } from '../config/schema.js';
import { worthProbingWebGpu } from './vulkan-drivers.js';

/**
 * Starts the configured backend. `auto` prefers a hardware GPU; a software WebGPU adapter (Mesa's
 * lavapipe) runs on the CPU and trains slower than wasm, so `auto` passes over it to wasm.
 */
export async function startBackend(config: HolomindConfig): Promise<BackendInfo> {
  if (config.backend !== 'auto') return initBackend({ backends: config.backend });
  if (!worthProbingWebGpu()) {
    const fallback = await initBackend({ backends: ['cuda', 'wasm', 'cpu'] });
    const reason = 'no hardware Vulkan driver installed (not probed; --backend webgpu tries it anyway)';
    return { ...fallback, skipped: [{ name: 'webgpu', reason }, ...fallback.skipped] };
  }
  const first = await initBackend();
  if (first.name === 'webgpu' && first.isSoftware) {
    const fallback = await initBackend({ backends: ['cuda', 'wasm', 'cpu'] });
    return {
      ...fallback,
      skipped: [
        ...first.skipped,
        {
          name: 'webgpu',
          reason: `software adapter (${first.adapter?.description ?? 'unknown'}): slower than wasm for training`,
        },
        ...fallback.skipped,
      ],
    };
  }
  return first;
}
