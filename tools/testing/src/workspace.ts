import { existsSync } from 'node:fs';
import path from 'node:path';

/** The HoloMind checkout's root: the nearest folder above `from` holding pnpm-workspace.yaml. */
export function workspaceRoot(from: string = process.cwd()): string {
  let folder = path.resolve(from);
  while (!existsSync(path.join(folder, 'pnpm-workspace.yaml'))) {
    const parent = path.dirname(folder);
    if (parent === folder) throw new Error(`No pnpm-workspace.yaml above ${from}: run the tests inside a HoloMind checkout.`);
    folder = parent;
  }
  return folder;
}
