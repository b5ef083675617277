import { constants } from 'node:fs';
import { access, mkdir, stat } from 'node:fs/promises';
import { CliError } from '../errors.js';
import { describeSystemError } from '../system-errors.js';

/**
 * Makes sure `folder` (the run's -o/--output) is a folder this process can write, creating it when
 * missing. Runs before the database is opened, so a bad path never leaves a `running` experiment
 * behind: a file in its place, a missing permission or a read-only disk is OUTPUT_UNUSABLE.
 */
export async function ensureOutputFolder(folder: string): Promise<void> {
  const existing = await stat(folder).catch(() => undefined);
  if (existing && !existing.isDirectory()) {
    throw new CliError(
      'OUTPUT_UNUSABLE',
      `The output folder '${folder}' is a file. Give -o/--output a folder (a new name creates it); nothing was started.`,
    );
  }
  try {
    await mkdir(folder, { recursive: true });
    await access(folder, constants.W_OK);
  } catch (error) {
    throw new CliError(
      'OUTPUT_UNUSABLE',
      `The output folder '${folder}' cannot be used: ${describeSystemError(error) ?? (error as Error).message} Nothing was started.`,
      { cause: error },
    );
  }
}
