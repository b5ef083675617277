import { close, closeSync, fsync, fsyncSync, mkdirSync, openSync, renameSync, rmSync, statSync } from 'node:fs';
import path from 'node:path';
import { randomBytes } from 'node:crypto';

/** Prefix of files still being written; a crash leaves them behind for `prune` to sweep. */
export const TEMPORARY_PREFIX = '.tmp-';

/** Flushes a file's data and metadata to the disk. */
export function fsyncFile(file: string): void {
  const descriptor = openSync(file, 'r');
  try {
    fsyncSync(descriptor);
  } finally {
    closeSync(descriptor);
  }
}

/**
 * `fsyncFile` on libuv's thread pool, so the main thread can compute meanwhile. The file is opened
 * synchronously and the fsync queued at once: a promise chain (open, then sync) would not reach
 * its fsync until the main thread yields, which is exactly what the caller is not about to do.
 */
export function fsyncFileInBackground(file: string): Promise<void> {
  const descriptor = openSync(file, 'r');
  return new Promise((resolve, reject) => {
    fsync(descriptor, (syncError) => {
      close(descriptor, (closeError) => {
        const error = syncError ?? closeError;
        if (error) reject(error);
        else resolve();
      });
    });
  });
}

/**
 * Flushes a directory entry list, so a rename or create inside it survives a power loss.
 * Windows cannot open directories for syncing; NTFS journals renames itself.
 */
export function fsyncDirectory(directory: string): void {
  if (process.platform === 'win32') return;
  fsyncFile(directory);
}

/** Creates `folder` (and parents), syncing each newly created level into its parent. */
export function ensureDurableFolder(folder: string): void {
  const missing: string[] = [];
  for (let current = path.resolve(folder); ; current = path.dirname(current)) {
    try {
      statSync(current);
      break;
    } catch {
      missing.push(current);
      if (path.dirname(current) === current) break;
    }
  }
  if (missing.length === 0) return;
  mkdirSync(folder, { recursive: true });
  for (const created of missing) fsyncDirectory(path.dirname(created));
}

/** A fresh name for a file in `folder`: `<prefix><time>-<random><extension>`. */
export function uniqueFileName(extension: string, prefix = ''): string {
  return `${prefix}${Date.now().toString(36)}-${randomBytes(6).toString('hex')}${extension}`;
}

/**
 * Publishes a fully written temporary file under its final name: fsync the file, rename it
 * (atomic within one file system), fsync the folder. After this returns, a crash of the process
 * or the machine leaves either no final file or a complete one, never a partial one.
 */
export function publishFile(temporaryFile: string, finalFile: string): void {
  fsyncFile(temporaryFile);
  renameSync(temporaryFile, finalFile);
  fsyncDirectory(path.dirname(finalFile));
}

/** Deletes files (missing ones are fine) and syncs the folders they were in. */
export function removeFilesDurably(files: string[]): void {
  const folders = new Set<string>();
  for (const file of files) {
    rmSync(file, { force: true });
    folders.add(path.dirname(file));
  }
  for (const folder of folders) {
    try {
      fsyncDirectory(folder);
    } catch (error) {
      // A folder that is itself gone has nothing left to sync.
      if ((error as { code?: string }).code !== 'ENOENT') throw error;
    }
  }
}
