import { execFile } from 'node:child_process';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { workspaceRoot } from './workspace.js';

const run = promisify(execFile);

/** Options of {@link installPackedPackages}. */
export interface PackedInstallOptions {
  /** Workspace package folders to `pnpm pack`; all of them are installed together. */
  packageDirs: string[];
  /** Registry packages a user would have beside them, e.g. `{ '@tensorflow/tfjs-core': '4.22.0' }`. */
  registryDependencies: Record<string, string>;
}

/** A temporary npm project, outside the workspace, with the packed tarballs installed. */
export interface PackedProject {
  directory: string;
  /** Runs an ES module script inside the project with plain `node`; resolves to its stdout. */
  runScript(source: string, env?: Record<string, string>): Promise<string>;
  remove(): Promise<void>;
}

async function packInto(packageDir: string, destination: string): Promise<string> {
  const before = new Set(await readdir(destination));
  await run('pnpm', ['pack', '--pack-destination', destination], { cwd: packageDir });
  const created = (await readdir(destination)).filter((name) => !before.has(name) && name.endsWith('.tgz'));
  if (created.length !== 1) throw new Error(`pnpm pack in ${packageDir} made ${created.length} tarballs, expected 1`);
  return path.join(destination, created[0]!);
}

interface WorkspaceManifest {
  name: string;
  dependencies?: Record<string, string>;
}

/**
 * The given package folders plus every workspace package they depend on (`workspace:` ranges),
 * transitively: a user installing one package from the registry gets those too, so the pack test
 * must install their tarballs beside it.
 */
async function withWorkspaceDependencies(packageDirs: string[]): Promise<string[]> {
  const packagesRoot = path.join(workspaceRoot(), 'packages');
  const folderOfName = new Map<string, string>();
  for (const entry of await readdir(packagesRoot)) {
    const manifestPath = path.join(packagesRoot, entry, 'package.json');
    const manifest = JSON.parse(await readFile(manifestPath, 'utf8').catch(() => '{}')) as Partial<WorkspaceManifest>;
    if (manifest.name) folderOfName.set(manifest.name, path.join(packagesRoot, entry));
  }
  const seen = new Set(packageDirs.map((dir) => path.resolve(dir)));
  const pending = [...seen];
  while (pending.length > 0) {
    const dir = pending.pop()!;
    const manifest = JSON.parse(await readFile(path.join(dir, 'package.json'), 'utf8')) as WorkspaceManifest;
    for (const [name, range] of Object.entries(manifest.dependencies ?? {})) {
      const folder = range.startsWith('workspace:') ? folderOfName.get(name) : undefined;
      if (folder && !seen.has(folder)) {
        seen.add(folder);
        pending.push(folder);
      }
    }
  }
  return [...seen];
}

/**
 * Packs workspace packages the way they would be published and installs the tarballs with npm into
 * a fresh project in the OS temp folder, as a user of one package would. Proves `files`,
 * `exports`, peer dependencies and the built `dist` work outside the monorepo.
 */
export async function installPackedPackages(options: PackedInstallOptions): Promise<PackedProject> {
  const directory = await mkdtemp(path.join(os.tmpdir(), 'holomind-pack-'));
  const dependencies: Record<string, string> = { ...options.registryDependencies };
  for (const packageDir of await withWorkspaceDependencies(options.packageDirs)) {
    const tarball = await packInto(packageDir, directory);
    const manifest = JSON.parse(await readFile(path.join(packageDir, 'package.json'), 'utf8')) as { name: string };
    dependencies[manifest.name] = `file:${tarball}`;
  }
  await writeFile(
    path.join(directory, 'package.json'),
    JSON.stringify({ name: 'holomind-pack-test', private: true, type: 'module', dependencies }, null, 2),
  );
  await run('npm', ['install', '--no-audit', '--no-fund', '--loglevel=error'], {
    cwd: directory,
    maxBuffer: 16 * 1024 * 1024,
  });
  return {
    directory,
    async runScript(source, env = {}) {
      const file = path.join(directory, `script-${Date.now()}.mjs`);
      await writeFile(file, source);
      const { stdout } = await run(process.execPath, [file], {
        cwd: directory,
        env: { ...process.env, ...env },
        maxBuffer: 16 * 1024 * 1024,
      });
      return stdout;
    },
    remove: () => rm(directory, { recursive: true, force: true }),
  };
}
