import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

/** The built CLI (tests run `pnpm build` first, as CI does). */
export const cliPath = fileURLToPath(new URL('../../dist/cli.js', import.meta.url));

/** What one CLI run printed and how it ended. */
export interface CliRun {
  status: number | null;
  stdout: string;
  stderr: string;
}

/**
 * Runs `holomind <args>` in `cwd` without blocking the test worker (a spawnSync of a minute starves
 * vitest's RPC and fails the run with "Timeout calling onTaskUpdate").
 */
export function runCli(
  args: string[],
  cwd: string,
  env: NodeJS.ProcessEnv = { ...process.env, HOLOMIND_QUIET: '1' },
): Promise<CliRun> {
  const child = spawn(process.execPath, [cliPath, ...args], { cwd, env });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  return new Promise((resolve) => child.on('exit', (status) => resolve({ status, stdout, stderr })));
}

/**
 * Runs `holomind <args>` in `cwd` and SIGKILLs it as soon as its output matches `when` (a crash at a
 * chosen moment); resolves with whether the kill ended it and what it printed before.
 */
export function runCliUntilKilled(args: string[], cwd: string, when: RegExp): Promise<{ killed: boolean; seen: string }> {
  const child = spawn(process.execPath, [cliPath, ...args], { cwd, env: { ...process.env, HOLOMIND_QUIET: '1' } });
  let seen = '';
  child.stdout.on('data', (chunk: Buffer) => {
    seen += chunk.toString();
    if (when.test(seen) && child.exitCode === null) child.kill('SIGKILL');
  });
  return new Promise((resolve) => child.on('exit', (_code, signal) => resolve({ killed: signal === 'SIGKILL', seen })));
}
