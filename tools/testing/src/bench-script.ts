import { execFile } from 'node:child_process';

/** How a bench script ended, and what it printed. */
export interface BenchScriptRun {
  exitCode: number;
  stdout: string;
  stderr: string;
}

/**
 * Runs one of a package's bench scripts with `tsx` in a child process, as `pnpm bench` does, and
 * resolves with its output however it ended: for tests that a bench still runs through (no bench is
 * run by anything else). Asynchronous on purpose: a synchronous spawn blocks the vitest worker, which
 * then misses its RPC deadline during a bench of a minute.
 * @param packageFolder the package the script belongs to (its working directory)
 * @param script the script's path from there, e.g. `bench/training-step.ts`
 * @param env variables added to this process's environment (a bench's small-size switches)
 */
export function runBenchScript(packageFolder: string, script: string, env: Record<string, string> = {}): Promise<BenchScriptRun> {
  return new Promise((resolve) => {
    execFile(
      'pnpm',
      ['exec', 'tsx', script],
      { cwd: packageFolder, env: { ...process.env, ...env }, maxBuffer: 64 * 1024 * 1024 },
      (error, stdout, stderr) => {
        const exitCode = error ? (typeof error.code === 'number' ? error.code : 1) : 0;
        resolve({ exitCode, stdout, stderr });
      },
    );
  });
}
