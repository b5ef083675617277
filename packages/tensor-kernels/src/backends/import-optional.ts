import { TensorKernelsError } from '../errors.js';
import type { BackendName } from './backend-info.js';

/**
 * Imports an optional peer dependency, turning "module not found" into an error that names the
 * package to install. Other failures (a broken native binding, say) keep their own message.
 */
export async function importOptional<Module>(packageName: string, backend: BackendName): Promise<Module> {
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
      `The '${backend}' backend failed to load '${packageName}': ${(error as Error).message}`,
      { cause: error },
    );
  }
}

// Node says ERR_MODULE_NOT_FOUND; bundlers and vite's module runner word it their own way.
function isModuleNotFound(error: unknown, packageName: string): boolean {
  const code = (error as { code?: string }).code;
  if (code === 'ERR_MODULE_NOT_FOUND' || code === 'MODULE_NOT_FOUND') return true;
  const message = String((error as Error).message ?? '');
  return (
    message.includes(packageName) && /cannot find (package|module)|could not resolve|failed to (load|resolve)/i.test(message)
  );
}
