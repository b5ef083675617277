import * as tf from '@tensorflow/tfjs-core';
import type { AdapterDescription } from '@holomind/tensor-kernels';
import wasmUrl from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm.wasm?url';
import wasmSimdUrl from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm-simd.wasm?url';
import wasmThreadedSimdUrl from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm-threaded-simd.wasm?url';
import type { BackendReport, PlaygroundSettings } from './protocol.js';

// @holomind/tensor-kernels' initBackend is Node-side (it finds the wasm binaries on disk and imports
// backend packages by computed names); in a page the bundler must see each import, so the backend
// packages are imported here, each only when chosen.

async function adapterOrReason(): Promise<{ adapter: GPUAdapter } | { reason: string }> {
  const gpu = (navigator as Navigator & { gpu?: GPU }).gpu;
  if (!gpu) return { reason: 'This browser offers no WebGPU (navigator.gpu is missing)' };
  const adapter = await gpu.requestAdapter();
  if (!adapter) return { reason: 'WebGPU returned no adapter (navigator.gpu.requestAdapter() gave null)' };
  return { adapter };
}

function describe(adapter: GPUAdapter): AdapterDescription {
  const info = adapter.info;
  return { vendor: info.vendor, architecture: info.architecture, device: info.device, description: info.description };
}

async function startWebGpu(adapter: GPUAdapter): Promise<BackendReport | string> {
  await import('@tensorflow/tfjs-backend-webgpu');
  try {
    if (!(await tf.setBackend('webgpu'))) return 'TensorFlow.js could not start its webgpu backend';
    await tf.ready();
  } catch (error) {
    return `TensorFlow.js could not start its webgpu backend: ${(error as Error).message}`;
  }
  return { name: 'webgpu', adapter: describe(adapter), features: [] };
}

async function startWasm(note: string | undefined): Promise<BackendReport> {
  const wasm = await import('@tensorflow/tfjs-backend-wasm');
  wasm.setWasmPaths({
    'tfjs-backend-wasm.wasm': wasmUrl,
    'tfjs-backend-wasm-simd.wasm': wasmSimdUrl,
    'tfjs-backend-wasm-threaded-simd.wasm': wasmThreadedSimdUrl,
  });
  if (!(await tf.setBackend('wasm'))) throw new Error('TensorFlow.js could not start its wasm backend either.');
  await tf.ready();
  const simd = (await tf.env().getAsync('WASM_HAS_SIMD_SUPPORT')) === true;
  return { name: 'wasm', features: simd ? ['simd'] : [], ...(note ? { note } : {}) };
}

/** WebGPU when asked for (or `auto`) and offered, else wasm with a note saying why. */
export async function startBackend(requested: PlaygroundSettings['backend']): Promise<BackendReport> {
  if (requested === 'wasm') return startWasm(undefined);
  const found = await adapterOrReason();
  const started = 'adapter' in found ? await startWebGpu(found.adapter) : found.reason;
  if (typeof started !== 'string') return started;
  return startWasm(`${started}: training runs on WebAssembly (wasm) instead.`);
}
