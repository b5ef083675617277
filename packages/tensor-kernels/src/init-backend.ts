import * as tf from '@tensorflow/tfjs-core';
import { BACKEND_NAMES, type BackendInfo, type BackendLoader, type BackendName } from './backends/backend-info.js';
import { cpuLoader } from './backends/cpu.js';
import { cudaLoader } from './backends/cuda.js';
import { MAX_WASM_THREADS, wasmLoader } from './backends/wasm.js';
import { webgpuLoader } from './backends/webgpu.js';
import { TensorKernelsError } from './errors.js';
import { registerGradientsIfMissing } from './gradients.js';
import { checkArgument } from './validate.js';

/** Options of {@link initBackend}. */
export interface InitBackendOptions {
  /**
   * Backends to try, in order. A single name means "this one or fail". Defaults to the
   * `HOLOMIND_BACKEND` environment variable (comma-separated), then `webgpu, cuda, wasm, cpu`.
   */
  backends?: BackendName | readonly BackendName[];
  /**
   * Threads for the wasm backend, 1 to 8: 1 runs tfjs's single-threaded SIMD build, more its
   * threaded build (in Node through HoloMind's patch of `@tensorflow/tfjs-backend-wasm`), falling
   * back to one thread when its workers cannot start (the reason printed under `HOLOMIND_DEBUG`).
   * Defaults to the `HOLOMIND_WASM_THREADS` environment variable, then 1.
   * Ignored by the other backends.
   */
  threads?: number;
}

/** The wasm backend's threads when neither `threads` nor `HOLOMIND_WASM_THREADS` says otherwise. */
const DEFAULT_WASM_THREADS = 1;

const LOADERS: Record<BackendName, BackendLoader> = {
  webgpu: webgpuLoader,
  cuda: cudaLoader,
  wasm: wasmLoader,
  cpu: cpuLoader,
};

let current: { loader: BackendLoader; info: BackendInfo; wasmThreads: number } | undefined;

function isBackendName(name: string): name is BackendName {
  return (BACKEND_NAMES as readonly string[]).includes(name);
}

function parseBackendList(names: readonly string[], source: string): BackendName[] {
  if (names.length === 0) {
    throw new TensorKernelsError('UNKNOWN_BACKEND', `${source} names no backend; valid names are ${BACKEND_NAMES.join(', ')}.`);
  }
  return names.map((name) => {
    if (!isBackendName(name)) {
      throw new TensorKernelsError(
        'UNKNOWN_BACKEND',
        `Unknown backend '${name}' in ${source}; valid names are ${BACKEND_NAMES.join(', ')}.`,
      );
    }
    return name;
  });
}

/** The backend order {@link initBackend} will try: the option, else `HOLOMIND_BACKEND`, else the default. */
export function resolveBackendOrder(options: InitBackendOptions = {}): BackendName[] {
  if (options.backends !== undefined) {
    const names = typeof options.backends === 'string' ? [options.backends] : [...options.backends];
    return parseBackendList(names, 'options.backends');
  }
  const fromEnvironment = typeof process !== 'undefined' ? process.env?.HOLOMIND_BACKEND : undefined;
  if (fromEnvironment !== undefined && fromEnvironment.trim() !== '') {
    const names = fromEnvironment
      .split(',')
      .map((name) => name.trim())
      .filter((name) => name !== '');
    return parseBackendList(names, `HOLOMIND_BACKEND='${fromEnvironment}'`);
  }
  return [...BACKEND_NAMES];
}

/** The wasm threads {@link initBackend} will ask for: the option, else `HOLOMIND_WASM_THREADS`, else the default. */
export function resolveWasmThreads(options: InitBackendOptions = {}): number {
  if (options.threads !== undefined) return checkWasmThreads('options.threads', options.threads);
  const fromEnvironment = typeof process !== 'undefined' ? process.env?.HOLOMIND_WASM_THREADS : undefined;
  if (fromEnvironment !== undefined && fromEnvironment.trim() !== '') {
    return checkWasmThreads(`HOLOMIND_WASM_THREADS='${fromEnvironment}'`, Number(fromEnvironment));
  }
  return DEFAULT_WASM_THREADS;
}

function checkWasmThreads(source: string, value: unknown): number {
  const threads = checkArgument.positiveInteger(source, value);
  if (threads > MAX_WASM_THREADS) {
    throw new TensorKernelsError(
      'INVALID_ARGUMENT',
      `${source} asks for ${threads} threads; the wasm backend runs at most ${MAX_WASM_THREADS}, pick 1 to ${MAX_WASM_THREADS}.`,
    );
  }
  return threads;
}

/**
 * Tries backends in order and makes the first that works current in TensorFlow.js.
 * Throws one error listing every failure if none works.
 *
 * @example
 * ```ts
 * import * as tf from '@tensorflow/tfjs-core';
 * import { initBackend, disposeBackend } from '@holomind/tensor-kernels';
 *
 * const backend = await initBackend({ backends: ['webgpu', 'wasm'] });
 * console.log(backend.name, backend.adapter?.description);
 * tf.matMul(tf.ones([2, 3]), tf.ones([3, 2])).print();
 * await disposeBackend();
 * ```
 */
export async function initBackend(options: InitBackendOptions = {}): Promise<BackendInfo> {
  const order = resolveBackendOrder(options);
  const wasmThreads = resolveWasmThreads(options);
  await registerGradientsIfMissing();
  const skipped: BackendInfo['skipped'] = [];
  for (const name of order) {
    if (current?.info.name === name && tf.getBackend() === current.info.tfBackendName) {
      if (name === 'wasm' && options.threads !== undefined && options.threads !== current.wasmThreads) {
        throw new TensorKernelsError(
          'INVALID_ARGUMENT',
          `The wasm backend already runs, started with threads: ${current.wasmThreads}; ` +
            `call disposeBackend() first to restart it with threads: ${options.threads}.`,
        );
      }
      return { ...current.info, skipped };
    }
    const loader = LOADERS[name];
    try {
      const info: BackendInfo = { ...(await loader.load({ wasmThreads })), skipped };
      current = { loader, info, wasmThreads };
      return info;
    } catch (error) {
      if (order.length === 1) throw error;
      skipped.push({ name, reason: (error as Error).message });
    }
  }
  throw new TensorKernelsError(
    'NO_BACKEND_AVAILABLE',
    `No backend could be started. Tried, in order:\n${skipped.map((s) => `- ${s.name}: ${s.reason}`).join('\n')}`,
  );
}

/** The backend {@link initBackend} last started, if any. */
export function currentBackend(): BackendInfo | undefined {
  return current?.info;
}

/**
 * Releases the backend's device and every tensor on it, so the process can exit on its own.
 * Tensors created before this call are invalid afterwards.
 */
export async function disposeBackend(): Promise<void> {
  if (!current) return;
  const { loader, info } = current;
  current = undefined;
  // removeBackend disposes the backend (for WebGPU: destroys the device and its buffers) but also
  // forgets its factory; registering the factory again lets a later initBackend start it anew.
  const factory = tf.findBackendFactory(info.tfBackendName);
  if (tf.findBackend(info.tfBackendName)) tf.removeBackend(info.tfBackendName);
  if (factory) tf.registerBackend(info.tfBackendName, factory, 1);
  loader.release?.();
}
