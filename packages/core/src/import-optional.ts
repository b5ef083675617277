/** What {@link importOptional} needs to load a package and explain a missing one. */
export interface ImportOptionalOptions<Module> {
  /**
   * The caller's own `() => import('name')`. It must be written in the calling package: a bare
   * specifier resolves from the file that imports it, and from @holomind/core a strict installer
   * (pnpm, nested node_modules) hides the peers only the caller's user installed.
   */
  load: () => Promise<Module>;
  /** What the package is needed for, e.g. "A 'postgres:' database URL". */
  neededFor: string;
  /** Makes the error thrown when the package is not installed. */
  missing: (message: string, cause: unknown) => Error;
  /** Makes the error thrown when it is installed but fails to load; defaults to rethrowing. */
  broken?: (message: string, cause: unknown) => Error;
}

/**
 * Imports an optional peer dependency inside a function. "Not installed" becomes the caller's error
 * naming the package to install; a package that is installed but fails to load (or misses one of
 * its own files) is reported as broken, never as missing.
 *
 * @example
 * ```ts
 * const pg = await importOptional('pg', {
 *   load: () => import('pg'),
 *   neededFor: "A 'postgres:' URL",
 *   missing: (message, cause) => new DatabaseError('DRIVER_PACKAGE_MISSING', message, { cause }),
 * });
 * ```
 */
export async function importOptional<Module>(packageName: string, options: ImportOptionalOptions<Module>): Promise<Module> {
  try {
    return await options.load();
  } catch (error) {
    if (isModuleNotFound(error, packageName)) {
      throw options.missing(
        `${options.neededFor} needs the package '${packageName}', which is not installed. Install it (npm i ${packageName}).`,
        error,
      );
    }
    const message = `The '${packageName}' package is installed but failed to load: ${(error as Error)?.message ?? String(error)}`;
    if (options.broken) throw options.broken(message, error);
    throw error;
  }
}

/**
 * Node says ERR_MODULE_NOT_FOUND; bundlers and vite's module runner word it their own way. The
 * message must name the package itself: an installed package missing one of its own dependencies
 * or files is broken, not absent.
 */
export function isModuleNotFound(error: unknown, packageName: string): boolean {
  const message = String((error as Error | undefined)?.message ?? '');
  if (!message.includes(`'${packageName}'`) && !message.includes(`"${packageName}"`)) return false;
  const code = (error as { code?: string } | undefined)?.code;
  return (
    code === 'ERR_MODULE_NOT_FOUND' ||
    code === 'MODULE_NOT_FOUND' ||
    /cannot find (package|module)|could not resolve|failed to (load|resolve)/i.test(message)
  );
}
