import { importOptional } from '@holomind/core';
import { TensorKernelsError } from '../errors.js';
import type { BackendName } from './backend-info.js';

/**
 * Imports the optional peer a backend runs on. Not installed: BACKEND_PACKAGE_MISSING naming the
 * package to install; installed but failing to load (a broken native binding): BACKEND_UNAVAILABLE.
 */
export function importBackendPackage<Module>(packageName: string, backend: BackendName): Promise<Module> {
  return importOptional<Module>(packageName, {
    neededFor: `The '${backend}' backend`,
    missing: (message, cause) =>
      new TensorKernelsError('BACKEND_PACKAGE_MISSING', `${message} Or choose another backend.`, { cause }),
    broken: (message, cause) => new TensorKernelsError('BACKEND_UNAVAILABLE', message, { cause }),
  });
}
