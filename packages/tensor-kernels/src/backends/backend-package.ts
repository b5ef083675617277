import { isModuleNotFound } from '@holomind/core';
import { TensorKernelsError } from '../errors.js';
import type { BackendName } from './backend-info.js';

/**
 * Imports the optional peer a backend runs on. Not installed: BACKEND_PACKAGE_MISSING naming the
 * package to install; installed but failing to load (a broken native binding): BACKEND_UNAVAILABLE.
 */
export async function importBackendPackage<Module>(packageName: string, backend: BackendName): Promise<Module> {
  // Not core's importOptional: its import() resolves the name from @holomind/core's folder, which
  // cannot see this package's peers under pnpm (measured: 'webgpu' reported missing while installed).
  try {
    return (await import(packageName)) as Module;
  } catch (error) {
    if (isModuleNotFound(error, packageName)) {
      throw new TensorKernelsError(
        'BACKEND_PACKAGE_MISSING',
        `The '${backend}' backend needs the package '${packageName}', which is not installed. ` +
          `Install it next to @tensorflow/tfjs-core (npm i ${packageName}) or choose another backend.`,
        { cause: error },
      );
    }
    throw new TensorKernelsError(
      'BACKEND_UNAVAILABLE',
      `The '${backend}' backend failed to load '${packageName}': ${(error as Error)?.message ?? String(error)}`,
      { cause: error },
    );
  }
}
