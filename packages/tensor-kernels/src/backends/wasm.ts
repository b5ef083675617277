import * as tf from '@tensorflow/tfjs-core';
import { activateTfBackend } from './activate.js';
import type { BackendInfo, BackendLoader, LoaderOptions } from './backend-info.js';
import { importBackendPackage } from './backend-package.js';

interface WasmModule {
  setWasmPaths(prefix: string): void;
  setThreadsCount(threads: number): void;
  getThreadsCount(): number;
}

/** The most threads the threaded build can use: it pre-starts 8 pthread workers and XNNPACK caps its pool there. */
export const MAX_WASM_THREADS = 8;

const isNode = typeof process !== 'undefined' && typeof process.versions?.node === 'string';

// A name only our patch of the package's Node bundle defines (patches/@tensorflow__tfjs-backend-wasm@*.patch).
const NODE_THREADS_PATCH_MARKER = 'getNodeThreadScripts';

// In Node the .wasm binaries are read from the installed package, never fetched.
export async function installedPackage(): Promise<{ wasmDirectory: string; nodeBundle: string }> {
  const { createRequire } = await import('node:module');
  const path = await import('node:path');
  const require = createRequire(import.meta.url);
  const root = path.dirname(require.resolve('@tensorflow/tfjs-backend-wasm/package.json'));
  return { wasmDirectory: path.join(root, 'dist') + path.sep, nodeBundle: require.resolve('@tensorflow/tfjs-backend-wasm') };
}

/**
 * Why the threaded build cannot start in this Node process, or undefined when it can. Unpatched,
 * tfjs 4.22 hands Emscripten `blob:` URLs for the pthread worker and its glue, which worker_threads
 * refuses (ERR_WORKER_PATH); our patch writes both to files first.
 */
export async function whyNoNodeThreads(nodeBundle: string): Promise<string | undefined> {
  if (typeof SharedArrayBuffer === 'undefined') return 'this Node has no SharedArrayBuffer';
  const { readFile } = await import('node:fs/promises');
  const source = await readFile(nodeBundle, 'utf8');
  if (!source.includes(NODE_THREADS_PATCH_MARKER)) {
    return (
      `${nodeBundle} is not patched for Node threads: it starts its pthread workers from blob: URLs, which ` +
      `worker_threads refuses; apply HoloMind's patches/@tensorflow__tfjs-backend-wasm@4.22.0.patch (pnpm patchedDependencies)`
    );
  }
  return undefined;
}

function debug(message: string): void {
  if (process.env.HOLOMIND_DEBUG) process.stderr.write(`[@holomind/tensor-kernels] ${message}\n`);
}

async function activate(wasm: WasmModule): Promise<Omit<BackendInfo, 'skipped'>> {
  await activateTfBackend('wasm', 'wasm');
  const simd = (await tf.env().getAsync('WASM_HAS_SIMD_SUPPORT')) === true;
  const threads = wasm.getThreadsCount();
  const features = [...(simd ? ['simd'] : []), ...(threads > 1 ? ['threads'] : [])];
  return { name: 'wasm', tfBackendName: 'wasm', isSoftware: true, features, limits: {}, threads };
}

/**
 * WebAssembly with SIMD through `@tensorflow/tfjs-backend-wasm`. One thread runs the single-threaded
 * SIMD build; more run the threaded build with that many XNNPACK threads, falling back to one thread
 * (the reason printed under HOLOMIND_DEBUG) when its workers cannot start.
 */
export const wasmLoader: BackendLoader = {
  name: 'wasm',
  async load({ wasmThreads }: LoaderOptions) {
    const wasm = await importBackendPackage<WasmModule>('@tensorflow/tfjs-backend-wasm', 'wasm');
    wasm.setThreadsCount(wasmThreads);
    if (!isNode) return activate(wasm);
    const { wasmDirectory, nodeBundle } = await installedPackage();
    wasm.setWasmPaths(wasmDirectory);
    if (wasmThreads > 1) {
      let reason = await whyNoNodeThreads(nodeBundle);
      if (reason === undefined) {
        tf.env().set('WASM_HAS_MULTITHREAD_SUPPORT', true);
        try {
          return await activate(wasm);
        } catch (error) {
          reason = (error as Error).message;
        }
      }
      debug(`wasm: ${wasmThreads} threads asked for, running on one: ${reason}`);
    }
    // tfjs's own default in Node; set again in case a threaded start failed or ran before.
    tf.env().set('WASM_HAS_MULTITHREAD_SUPPORT', false);
    return activate(wasm);
  },
};
