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

/**
 * Reads a whole file; a missing file becomes FILE_NOT_FOUND naming the path, a folder or a file without
 * permission FILE_UNREADABLE. Other errors pass through.
 */
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
    throw unreadableFile(path, what, error);
  }
}

// Errno codes a person can act on, and what to tell them.
const ERRNO_FIXES: Record<string, string> = {
  EISDIR: 'is a folder, not a file; give the path of the file inside it',
  ENOTDIR: 'has a file where a folder is expected in its path; check the path',
  EACCES: "cannot be read with this user's permissions; check its permissions",
  EPERM: "cannot be read with this user's permissions; check its permissions",
  EMFILE: 'cannot be opened: too many files are open; close some or raise the limit (ulimit -n)',
};

/** A DataError('FILE_UNREADABLE') naming the path and the fix for an errno; other errors are returned as they are. */
function unreadableFile(path: string, what: string, error: unknown): unknown {
  const code = (error as NodeJS.ErrnoException).code;
  const fix = code === undefined ? undefined : ERRNO_FIXES[code];
  if (fix === undefined) return error;
  return new DataError('FILE_UNREADABLE', `The ${what} '${path}' ${fix} (${code}).`, { file: path, cause: error });
}

/** Whether a path exists (any kind of entry). */
export async function pathExists(path: string): Promise<boolean> {
  const fs = await nodeFs();
  return fs.access(path).then(
    () => true,
    () => false,
  );
}
