import { mkdtemp, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadConfigFile, parseConfig } from './load-config.js';

async function yamlFile(text: string): Promise<string> {
  const file = path.join(await mkdtemp(path.join(os.tmpdir(), 'holomind-config-')), 'config.yaml');
  await writeFile(file, text);
  return file;
}

describe('loadConfigFile', () => {
  it('fills defaults for an empty file', async () => {
    const config = await loadConfigFile(await yamlFile(''));
    expect(config.benchmark).toBe('split-mnist');
    expect(config.strategy).toBe('holomind');
    expect(config.training.epochs).toBeGreaterThan(0);
  });

  it('reads sections and lets overrides win', async () => {
    const file = await yamlFile('strategy: ewc\ntraining:\n  epochs: 3\n  batchSize: 32\newc:\n  lambda: 50\n');
    const config = await loadConfigFile(file, { training: { epochs: 1 } });
    expect(config).toMatchObject({ strategy: 'ewc', training: { epochs: 1, batchSize: 32 }, ewc: { lambda: 50 } });
  });

  it('names the file and line of malformed YAML', async () => {
    const file = await yamlFile('training:\n  epochs: 3\n batchSize: [1, 2\n');
    await expect(loadConfigFile(file)).rejects.toThrow(
      new RegExp(`${file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}:\\d+ is not valid YAML`),
    );
  });

  it('names the key and line of a bad value', async () => {
    const file = await yamlFile('strategy: ewc\ntraining:\n  epochs: -2\n');
    await expect(loadConfigFile(file)).rejects.toThrow(/config\.yaml:3: 'training\.epochs'/);
  });

  it('names an unknown key and its line', async () => {
    const file = await yamlFile('network:\n  columnHidden: [32]\n  colunms: 4\n');
    await expect(loadConfigFile(file)).rejects.toThrow(/config\.yaml:3: unknown key 'network\.colunms'/);
  });

  it('training.kernels picks the training ops: fused by default, composite on request, nothing else', () => {
    expect(parseConfig({}).training.kernels).toBe('fused');
    expect(parseConfig({ training: { kernels: 'composite' } }).training.kernels).toBe('composite');
    expect(() => parseConfig({ training: { kernels: 'gpu' } })).toThrow(/training\.kernels.*fused.*composite/s);
  });

  it('lists the allowed values of an enum', () => {
    expect(() => parseConfig({ strategy: 'magic' })).toThrow(
      /'strategy' must be one of "finetune", "ewc", "online-ewc", "pnn", "pnn-memory", "lwf", "er", "derpp", "icarl", "joint", "holomind"/,
    );
  });
});
