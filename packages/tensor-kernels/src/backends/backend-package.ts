import { importOptional } from '@holomind/core';
import { TensorKernelsError } from '../errors.js';
import type { BackendName } from './backend-info.js';

/**
 * Imports the optional peer a backend runs on. Not installed: BACKEND_PACKAGE_MISSING naming the
 * package to install; installed but failing to load (a broken native binding): BACKEND_UNAVAILABLE.
 * The loader is written here: under pnpm only this package, whose peers these are, can resolve them.
 */
export function importBackendPackage<Module>(packageName: string, backend: BackendName): Promise<Module> {
  return importOptional(packageName, {
    load: () => import(packageName) as Promise<Module>,
    neededFor: `The '${backend}' backend`,
    missing: (message, cause) =>
      new TensorKernelsError(
        'BACKEND_PACKAGE_MISSING',
        `${message} Put it next to @tensorflow/tfjs-core, or choose another backend.`,
        {
          cause,
        },
      ),
    broken: (_message, cause) =>
      new TensorKernelsError(
        'BACKEND_UNAVAILABLE',
        `The '${backend}' backend failed to load '${packageName}': ${(cause as Error)?.message ?? String(cause)}`,
        { cause },
      ),
  });
}
