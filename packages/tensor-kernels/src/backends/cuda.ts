import * as tf from '@tensorflow/tfjs-core';
import { TensorKernelsError } from '../errors.js';
import { activateTfBackend } from './activate.js';
import type { BackendLoader } from './backend-info.js';
import { importBackendPackage } from './backend-package.js';

/**
 * CUDA through `@tensorflow/tfjs-node-gpu`, which registers the `tensorflow` backend when imported.
 * Untested on HoloMind's own machines: the package's install downloads libtensorflow, which they
 * cannot reach. tfjs-node-gpu silently runs on the CPU when CUDA is missing; we refuse that, so the
 * order moves on to a backend that is honest about where it runs.
 */
export const cudaLoader: BackendLoader = {
  name: 'cuda',
  async load() {
    await importBackendPackage('@tensorflow/tfjs-node-gpu', 'cuda');
    await activateTfBackend('cuda', 'tensorflow');
    const backend = tf.backend() as unknown as { isUsingGpuDevice?: boolean };
    if (backend.isUsingGpuDevice === false) {
      throw new TensorKernelsError(
        'BACKEND_UNAVAILABLE',
        '@tensorflow/tfjs-node-gpu loaded but found no CUDA device (it would run on the CPU). ' +
          'Check the CUDA and cuDNN versions tfjs-node-gpu requires, or choose wasm.',
      );
    }
    return { name: 'cuda', tfBackendName: 'tensorflow', isSoftware: false, features: ['cuda'], limits: {} };
  },
};
