import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { worthProbingWebGpu } from './pipeline/vulkan-drivers.js';

// Finding 14 of issue #15 (and 13 at the CLI): every failure a person can cause ends in one
// sentence naming the flag or path and the fix, with no raw errno, stack or password.
const cli = fileURLToPath(new URL('../dist/cli.js', import.meta.url));
const workspace = mkdtempSync(path.join(os.tmpdir(), 'holomind-cli-errors-'));
const quickRun = ['--tasks', '2', '--epochs', '1', '--train-per-task', '40', '--test-per-task', '20', '--backend', 'cpu'];

interface CliResult {
  status: number | null;
  stdout: string;
  stderr: string;
  all: string;
}

// Asynchronous, so the test worker stays responsive while the CLI runs.
function holomind(args: string[], env: Record<string, string> = {}): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [cli, ...args], {
      cwd: workspace,
      env: { ...process.env, HOLOMIND_QUIET: '1', ...env },
      timeout: 120_000,
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('error', reject);
    child.on('close', (status) => resolve({ status, stdout, stderr, all: `${stdout}\n${stderr}` }));
  });
}

/** What a person must never see: errno prefixes, stack frames, "report it". */
function expectNamedFailure(result: CliResult): void {
  expect(result.status).toBe(1);
  expect(result.stderr).toMatch(/^holomind: /m);
  expect(result.all).not.toMatch(/\bE[A-Z]+: [a-z ]+, [a-z]+ '/); // "ENOTDIR: not a directory, mkdir '...'"
  expect(result.all).not.toMatch(/Unexpected failure|\n\s+at .+:\d+:\d+/);
}

describe('holomind failures name the problem and the fix (finding 14)', () => {
  it('refuses -o pointing at a file before opening the database, leaving no running experiment', async () => {
    writeFileSync(path.join(workspace, 'a-file'), 'not a folder');
    const result = await holomind(['train', ...quickRun, '-o', 'a-file', '--db', 'sqlite:file-run/holomind.db']);
    expectNamedFailure(result);
    expect(result.stderr).toContain("The output folder 'a-file' is a file");
    expect(existsSync(path.join(workspace, 'file-run', 'holomind.db'))).toBe(false);

    const below = await holomind(['train', ...quickRun, '-o', 'a-file/run', '--db', 'sqlite:file-run/holomind.db']);
    expectNamedFailure(below);
    expect(below.stderr).toMatch(/cannot be used: Cannot create the folder 'a-file\/run': a part of the path is a file/);
    expect(existsSync(path.join(workspace, 'file-run', 'holomind.db'))).toBe(false);
  });

  it('names the SQLite file problem instead of "check that the server is running"', async () => {
    writeFileSync(path.join(workspace, 'notes.txt'), 'plain text, not a database\n'.repeat(100));
    const notDatabase = await holomind(['states', 'list', '--db', 'sqlite:notes.txt', '-o', 'x']);
    expectNamedFailure(notDatabase);
    expect(notDatabase.stderr).toContain('the file is not a SQLite database');
    expect(notDatabase.stderr).not.toMatch(/server is running/);

    mkdirSync(path.join(workspace, 'a-folder.db'), { recursive: true });
    const folder = await holomind(['states', 'list', '--db', 'sqlite:a-folder.db', '-o', 'x']);
    expectNamedFailure(folder);
    expect(folder.stderr).toMatch(/SQLITE_CANTOPEN.*the path is a folder/);
    expect(folder.stderr).not.toMatch(/server is running/);
  });

  it('names the PostgreSQL problem and never prints the password, in any URL form (finding 13)', async () => {
    const urls = [
      'postgres://app:Sup3rS3cret@127.0.0.1:1/runs',
      'postgres://app:p@ss Sup3rS3cret@127.0.0.1:1/runs',
      'postgres://127.0.0.1:1/runs?user=app&password=Sup3rS3cret',
      'postgres://app:Sup3r#S3cret@127.0.0.1:1/runs',
      'mongodb+srv://app:Sup3rS3cret@cluster0.example.net/runs',
      'host=127.0.0.1 port=1 user=app password=Sup3rS3cret',
    ];
    // Four at a time; with HOLOMIND_DEBUG=1 (error, causes and stack printed) for half of them.
    const results = await Promise.all(
      urls.map((url, index) => holomind(['states', 'list', '--db', url, '-o', 'pg'], index % 2 ? { HOLOMIND_DEBUG: '1' } : {})),
    );
    for (const result of results) {
      expect(result.status).toBe(1);
      expect(result.all).not.toMatch(/Sup3r|S3cret/);
    }
    const refused = await holomind(['states', 'list', '--db', urls[0]!, '-o', 'pg']);
    expect(refused.stderr).toMatch(/ECONNREFUSED.*no server accepts connections at that host and port/);
  });

  it('says --tasks, not the library option classOrder, when a split benchmark gets too many tasks', async () => {
    const result = await holomind(['train', ...quickRun, '--tasks', '99', '-o', 'tasks99', '--db', 'sqlite:tasks99/holomind.db']);
    expectNamedFailure(result);
    expect(result.stderr).toContain('--tasks 99 does not fit split-mnist');
    expect(result.all).not.toContain('classOrder');
  });

  it('checks every --strategies name before compare trains anything', async () => {
    const result = await holomind([
      'compare',
      ...quickRun,
      '--strategies',
      'finetune,ewc,bogus',
      '-o',
      'cmp',
      '--db',
      'sqlite:cmp/holomind.db',
    ]);
    expectNamedFailure(result);
    expect(result.stderr).toContain('--strategies names bogus');
    expect(result.stdout).not.toContain('training finetune');
  });

  it('reports a YAML alias bomb and an oversized file as configuration limits', async () => {
    const bomb = ['a: &a [x, x, x, x, x, x, x, x, x]'];
    for (let level = 1; level < 9; level++) {
      const previous = String.fromCharCode(96 + level);
      const name = String.fromCharCode(97 + level);
      bomb.push(`${name}: &${name} [${Array(9).fill(`*${previous}`).join(', ')}]`);
    }
    writeFileSync(path.join(workspace, 'bomb.yaml'), `${bomb.join('\n')}\n`);
    const exploded = await holomind([
      'train',
      '--config',
      'bomb.yaml',
      ...quickRun,
      '-o',
      'bomb',
      '--db',
      'sqlite:bomb/holomind.db',
    ]);
    expectNamedFailure(exploded);
    expect(exploded.stderr).toMatch(/bomb\.yaml expands to more than a configuration may hold/);

    writeFileSync(path.join(workspace, 'huge.yaml'), `# ${'x'.repeat(300_000)}\n`);
    const huge = await holomind(['train', '--config', 'huge.yaml', ...quickRun, '-o', 'huge', '--db', 'sqlite:huge/holomind.db']);
    expectNamedFailure(huge);
    expect(huge.stderr).toContain('more than the 262144 a configuration may have');

    const folder = await holomind(['train', '--config', '.', ...quickRun, '-o', 'huge', '--db', 'sqlite:huge/holomind.db']);
    expectNamedFailure(folder);
    expect(folder.stderr).toContain('it is a folder, not a file');
  });

  it('names a folder where an IDX file should be instead of a raw EISDIR', async () => {
    const data = path.join(workspace, 'idx-folder');
    for (const name of [
      'train-images-idx3-ubyte.gz',
      'train-labels-idx1-ubyte.gz',
      't10k-images-idx3-ubyte.gz',
      't10k-labels-idx1-ubyte.gz',
    ]) {
      mkdirSync(path.join(data, name), { recursive: true });
    }
    const result = await holomind([
      'train',
      ...quickRun,
      '--benchmark',
      'split-fashion-mnist',
      '--data-dir',
      data,
      '-o',
      'idx',
      '--db',
      'sqlite:idx/holomind.db',
    ]);
    expectNamedFailure(result);
    expect(result.stderr).toMatch(/train-images-idx3-ubyte\.gz' is a folder, not a file/);
  });

  it('keeps Dawn quiet under --backend auto without a hardware Vulkan driver', async (context) => {
    if (worthProbingWebGpu()) {
      console.warn('SKIPPED: a hardware Vulkan driver is installed here, so auto probes WebGPU on purpose');
      context.skip();
    }
    const result = await holomind([
      'train',
      ...quickRun,
      '--backend',
      'auto',
      '--tasks',
      '9',
      '-o',
      'auto',
      '--db',
      'sqlite:auto/holomind.db',
    ]);
    expect(result.status).toBe(1); // --tasks 9: stops right after the backend started
    expect(result.all).toContain('webgpu');
    expect(result.all).not.toMatch(/vkCreateInstance|VK_ERROR|Vulkan|dawn/i);
  });
});
