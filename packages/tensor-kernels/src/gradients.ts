import * as tf from '@tensorflow/tfjs-core';
import { TensorKernelsError } from './errors.js';

// tfjs-core registers no gradients by itself; @tensorflow/tfjs and @tensorflow/tfjs-layers do it
// when imported. Its own registration module is ES source with extension-less imports: bundlers
// and vite load it, plain Node does not, hence the second route through tfjs-layers.
const REGISTRATION_ROUTES = ['@tensorflow/tfjs-core/dist/register_all_gradients.js', '@tensorflow/tfjs-layers'];

function gradientsRegistered(): boolean {
  return tf.getGradient('Sum') !== undefined && tf.getGradient('BatchMatMul') !== undefined;
}

/** Registers tfjs's gradients if nobody has yet; called by initBackend. Never fails: see requireGradients. */
export async function registerGradientsIfMissing(): Promise<void> {
  for (const route of REGISTRATION_ROUTES) {
    if (gradientsRegistered()) return;
    try {
      await import(route);
    } catch {
      // Try the next route; requireGradients explains the situation if none worked.
    }
  }
}

/** Throws a clear error when training code runs without tfjs's gradients registered. */
export function requireGradients(caller: string): void {
  if (gradientsRegistered()) return;
  throw new TensorKernelsError(
    'GRADIENTS_MISSING',
    `${caller} needs TensorFlow.js gradients, which are not registered. Import '@tensorflow/tfjs' or ` +
      `'@tensorflow/tfjs-layers' once (or install @tensorflow/tfjs-layers and call initBackend()).`,
  );
}
