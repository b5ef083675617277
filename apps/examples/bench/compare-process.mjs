// `holomind compare` (the built CLI) in a child process, as the benches run it: wasm backend, quiet,
// the run folders and SQLite database under `output`, the results document written to `json`.
import { spawn } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const cli = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', 'dist', 'cli.js');

/**
 * Resolves when the command exits 0. `args` are the scenario's flags (benchmark, scenario, tasks,
 * epochs); `onStdout`, when given, receives the command's printed table.
 */
export function runCompare({ label, config, args, strategies, seeds, output, json, onStdout }) {
  const argv = [
    cli,
    'compare',
    '-c',
    config,
    ...args,
    '--strategies',
    strategies.join(','),
    '--seeds',
    seeds.join(','),
    '--backend',
    'wasm',
    '--output',
    output,
    '--db',
    `sqlite:${path.join(output, 'holomind.db')}`,
    '--json',
    json,
  ];
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, argv, {
      stdio: ['ignore', onStdout ? 'pipe' : 'ignore', 'inherit'],
      env: { ...process.env, HOLOMIND_QUIET: '1' },
    });
    if (onStdout) child.stdout.on('data', onStdout);
    child.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`${label}: holomind compare exited with ${code}`))));
  });
}
