import { activateTfBackend } from './activate.js';
import type { BackendLoader } from './backend-info.js';
import { importBackendPackage } from './backend-package.js';

/** Plain JavaScript through `@tensorflow/tfjs-backend-cpu`: slow, but the numerical reference. */
export const cpuLoader: BackendLoader = {
  name: 'cpu',
  async load() {
    await importBackendPackage('@tensorflow/tfjs-backend-cpu', 'cpu');
    await activateTfBackend('cpu', 'cpu');
    return { name: 'cpu', tfBackendName: 'cpu', isSoftware: true, features: [], limits: {} };
  },
};
