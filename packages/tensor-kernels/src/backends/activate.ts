import * as tf from '@tensorflow/tfjs-core';
import { TensorKernelsError } from '../errors.js';
import type { BackendName } from './backend-info.js';

/** Makes a registered tfjs backend current, turning tfjs's `false` into an error that says why. */
export async function activateTfBackend(backend: BackendName, tfBackendName: string): Promise<void> {
  let activated: boolean;
  try {
    activated = await tf.setBackend(tfBackendName);
    await tf.ready();
  } catch (error) {
    throw new TensorKernelsError(
      'BACKEND_UNAVAILABLE',
      `TensorFlow.js could not start its '${tfBackendName}' backend for '${backend}': ${(error as Error).message}`,
      { cause: error },
    );
  }
  if (!activated || tf.getBackend() !== tfBackendName) {
    throw new TensorKernelsError(
      'BACKEND_UNAVAILABLE',
      `TensorFlow.js could not start its '${tfBackendName}' backend for '${backend}' (its initialisation failed; see the warning above).`,
    );
  }
}
