import { DataError } from './errors.js';

/**
 * Imports an optional peer dependency, turning "module not found" into PACKAGE_MISSING naming the
 * package to install. Other failures keep their own message as the cause.
 */
export async function importOptional<Module>(packageName: string, neededFor: string): Promise<Module> {
  try {
    return (await import(packageName)) as Module;
  } catch (error) {
    if (isModuleNotFound(error, packageName)) {
      throw new DataError(
        'PACKAGE_MISSING',
        `${neededFor} needs the package '${packageName}', which is not installed. Install it next to @holomind/data (npm i ${packageName}).`,
        { cause: error },
      );
    }
    throw error;
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
