import { activateTfBackend } from './activate.js';
import type { BackendLoader } from './backend-info.js';
import { importOptional } from './import-optional.js';

/** Plain JavaScript through `@tensorflow/tfjs-backend-cpu`: slow, but the numerical reference. */
export const cpuLoader: BackendLoader = {
  name: 'cpu',
  async load() {
    await importOptional('@tensorflow/tfjs-backend-cpu', 'cpu');
    await activateTfBackend('cpu', 'cpu');
    return { name: 'cpu', tfBackendName: 'cpu', isSoftware: true, features: [], limits: {} };
  },
};
