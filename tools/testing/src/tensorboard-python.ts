import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, rmSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { workspaceRoot } from './workspace.js';

const run = promisify(execFile);

/** Resolves to whether the command exits 0 (never blocks the test worker: pip takes a while). */
async function succeeds(command: string, args: string[]): Promise<{ ok: boolean; output: string }> {
  try {
    await run(command, args, { maxBuffer: 16 * 1024 * 1024 });
    return { ok: true, output: '' };
  } catch (error) {
    return { ok: false, output: String((error as { stderr?: string }).stderr ?? error) };
  }
}

/**
 * A Python that imports TensorBoard's own EventAccumulator: `HOLOMIND_TENSORBOARD_PYTHON`, or a
 * venv under `<repository>/.cache/tensorboard-venv` that pip fills offline from the wheels this
 * machine kind keeps in `/opt/pypi/files` (`HOLOMIND_PYPI_WHEELS`). `reason` says why there is none.
 */
export async function findTensorBoardPython(): Promise<{ python?: string; reason?: string }> {
  const venv = path.join(workspaceRoot(), '.cache', 'tensorboard-venv');
  const wheels = process.env.HOLOMIND_PYPI_WHEELS ?? '/opt/pypi/files';
  const candidates = [process.env.HOLOMIND_TENSORBOARD_PYTHON, path.join(venv, 'bin', 'python')].filter(Boolean) as string[];
  const works = async (python: string) =>
    existsSync(python) && (await succeeds(python, ['-c', 'import tensorboard.backend.event_processing.event_accumulator'])).ok;
  for (const python of candidates) if (await works(python)) return { python };
  if (!existsSync(wheels) || !readdirSync(wheels).some((file) => file.startsWith('tensorboard-'))) {
    return { reason: `no tensorboard wheel in ${wheels} and no HOLOMIND_TENSORBOARD_PYTHON` };
  }
  // Test files of several packages run at once: one installs (a lock folder), the others wait for it.
  const lock = `${venv}.lock`;
  mkdirSync(path.dirname(venv), { recursive: true });
  const python = path.join(venv, 'bin', 'python');
  for (let waited = 0; ; waited += 1) {
    try {
      mkdirSync(lock);
      break;
    } catch {
      if (waited >= 300) return { reason: `${lock} stayed for 5 minutes (another install hung?); remove it` };
      await sleep(1000);
      if (!existsSync(lock)) return (await works(python)) ? { python } : findTensorBoardPython();
    }
  }
  try {
    const made = await succeeds('python3', ['-m', 'venv', venv]);
    if (!made.ok) return { reason: `python3 -m venv failed: ${made.output}` };
    const pip = path.join(venv, 'bin', 'pip');
    const installed = await succeeds(pip, ['install', '-q', '--no-index', '--find-links', wheels, 'tensorboard']);
    if (!installed.ok) return { reason: `pip install tensorboard (offline) failed: ${installed.output}` };
    return (await works(python)) ? { python } : { reason: 'tensorboard installed but EventAccumulator does not import' };
  } finally {
    rmSync(lock, { recursive: true, force: true });
  }
}

/** What TensorBoard's EventAccumulator sees in a run folder (scalars, histograms, images, text tags, HParams records). */
export interface TensorBoardSeen {
  scalars: Record<string, Array<[number, number]>>;
  /** `[step, count, min, max]` per histogram. */
  histograms: Record<string, Array<[number, number, number, number]>>;
  /** `[step, width, height]` per image. */
  images: Record<string, Array<[number, number, number]>>;
  tensors: string[];
  text: string[];
  hparams: {
    experiment?: { hparams: string[]; metrics: string[] };
    session_start_info?: { hparams: Record<string, string | number | boolean>; group_name: string };
    session_end_info?: { status: number };
  };
}

/** Reads `folder` with TensorBoard's own EventAccumulator, run by `python` (from {@link findTensorBoardPython}). */
export async function readTensorBoardEvents(python: string, folder: string): Promise<TensorBoardSeen> {
  const script = fileURLToPath(new URL('../scripts/read-tensorboard-events.py', import.meta.url));
  const { stdout } = await run(python, [script, folder], { maxBuffer: 64 * 1024 * 1024 });
  return JSON.parse(stdout) as TensorBoardSeen;
}
