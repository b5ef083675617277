import type * as FsPromises from 'node:fs/promises';
import type * as Zlib from 'node:zlib';
import { DataError } from './errors.js';

// Node built-ins are imported on first use so that the rest of the package also loads in browsers.

/** `node:fs/promises`, loaded on first use. */
export function nodeFs(): Promise<typeof FsPromises> {
  return import('node:fs/promises');
}

/** `node:zlib`, loaded on first use. */
export function nodeZlib(): Promise<typeof Zlib> {
  return import('node:zlib');
}

/** Reads a whole file; a missing file becomes FILE_NOT_FOUND naming the path. Other errors pass through. */
export async function readFileBytes(path: string, what = 'file'): Promise<Buffer> {
  const fs = await nodeFs();
  try {
    return await fs.readFile(path);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') {
      throw new DataError(
        'FILE_NOT_FOUND',
        `The ${what} '${path}' does not exist. Check the path (relative paths start at ${process.cwd()}).`,
        {
          file: path,
          cause: error,
        },
      );
    }
    throw error;
  }
}

/** Whether a path exists (any kind of entry). */
export async function pathExists(path: string): Promise<boolean> {
  const fs = await nodeFs();
  return fs.access(path).then(
    () => true,
    () => false,
  );
}
