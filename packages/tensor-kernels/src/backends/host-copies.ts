import * as tf from '@tensorflow/tfjs-core';

/**
 * Reads every tfjs variable back asynchronously, so that the synchronous APIs that follow
 * (`ProgressiveNetwork.toState`, `ExternalMemory.stats`/`toState`/`cleanup`, anything calling
 * `dataSync` on a variable) need no synchronous GPU read until the variable changes.
 *
 * Why: tfjs-backend-webgpu 4.22 reads synchronously by drawing through an `OffscreenCanvas`, which
 * Node lacks (`OffscreenCanvas is not defined`), and in browsers it stalls the page. Its asynchronous
 * read keeps the values on the host, and `dataSync` then returns them. A no-op on backends whose
 * synchronous read is direct (wasm, cpu, tensorflow).
 */
export async function cacheVariablesOnHost(): Promise<void> {
  if (tf.getBackend() !== 'webgpu') return;
  await Promise.all(Object.values(tf.engine().registeredVariables).map((variable) => variable.data()));
}
