// `holomind compare` (the built CLI) in a child process, as the benches run it: wasm backend, quiet,
// the run folders and SQLite database under `output`, the results document written to `json`.
import { spawn } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const cli = path.join(here, '..', 'dist', 'cli.js');

/** Where the benches write their results documents (and, under runs/, their run folders). */
export const RESULTS_DIR = path.join(here, 'results');
/** bench:cl's protocol: network, training budget, replay budget. */
export const PROTOCOL_FILE = path.join(here, 'cl-protocol.yaml');
/** The seeds to run: CL_SEEDS (comma-separated), default 0, 1, 2. */
export const SEEDS = (process.env.CL_SEEDS ?? '0,1,2').split(',').map(Number);

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
