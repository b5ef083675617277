import * as tf from '@tensorflow/tfjs-core';
import { activateTfBackend } from './activate.js';
import type { BackendLoader } from './backend-info.js';
import { importBackendPackage } from './backend-package.js';

interface WasmModule {
  setWasmPaths(prefix: string): void;
}

const isNode = typeof process !== 'undefined' && typeof process.versions?.node === 'string';

// In Node the .wasm binaries are read from the installed package, never fetched.
async function installedWasmDirectory(): Promise<string> {
  const { createRequire } = await import('node:module');
  const path = await import('node:path');
  const require = createRequire(import.meta.url);
  return path.join(path.dirname(require.resolve('@tensorflow/tfjs-backend-wasm/package.json')), 'dist') + path.sep;
}

/** WebAssembly with SIMD through `@tensorflow/tfjs-backend-wasm`. */
export const wasmLoader: BackendLoader = {
  name: 'wasm',
  async load() {
    const wasm = await importBackendPackage<WasmModule>('@tensorflow/tfjs-backend-wasm', 'wasm');
    if (isNode) {
      // The threaded build starts workers from blob: URLs, which Node refuses (ERR_WORKER_PATH).
      tf.env().set('WASM_HAS_MULTITHREAD_SUPPORT', false);
      wasm.setWasmPaths(await installedWasmDirectory());
    }
    await activateTfBackend('wasm', 'wasm');
    const simd = (await tf.env().getAsync('WASM_HAS_SIMD_SUPPORT')) === true;
    return { name: 'wasm', tfBackendName: 'wasm', isSoftware: true, features: simd ? ['simd'] : [], limits: {} };
  },
};
