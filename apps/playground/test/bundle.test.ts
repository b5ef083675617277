import path from 'node:path';
import { build, type Message } from 'esbuild';
import { describe, expect, it } from 'vitest';
import { workspaceRoot } from '@holomind/testing';

// Every package a page needs, bundled from its browser entry (the `browser` export condition) for
// the browser platform with every dependency it reaches. esbuild refuses Node built-ins there
// ("Could not resolve 'node:fs'"), after applying each dependency's own `browser` field.
const BROWSER_PACKAGES = ['core', 'tensor-kernels', 'network', 'memory', 'ewc', 'data', 'state', 'monitoring'] as const;

/** The Node built-ins (or other unresolvable imports) a browser bundle of `source` reaches. */
async function unresolvedImports(source: string): Promise<string[]> {
  try {
    await build({
      stdin: { contents: source, resolveDir: path.join(workspaceRoot(), 'apps', 'playground') },
      bundle: true,
      platform: 'browser',
      format: 'esm',
      write: false,
      logLevel: 'silent',
    });
    return [];
  } catch (error) {
    const errors = (error as { errors?: Message[] }).errors;
    if (!errors) throw error;
    return errors.map((message) => `${message.text} (in ${message.location?.file ?? '?'})`);
  }
}

describe('browser bundles of the packages a page needs', () => {
  it.each(BROWSER_PACKAGES)('@holomind/%s bundles for the browser without reaching a Node built-in', async (name) => {
    expect(await unresolvedImports(`export * from '@holomind/${name}';`)).toEqual([]);
  });

  it("fails on a Node entry: @holomind/data's index reaches node:fs", async () => {
    const nodeEntry = path.join(workspaceRoot(), 'packages', 'data', 'dist', 'index.js');
    const problems = await unresolvedImports(`export * from ${JSON.stringify(nodeEntry)};`);
    expect(problems.some((problem) => problem.includes('"node:fs/promises"'))).toBe(true);
  });
});
