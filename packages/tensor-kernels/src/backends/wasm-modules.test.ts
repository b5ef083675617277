import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
// @ts-expect-error a plain JavaScript build script, without types
import { WAT_MODULES, compileWat, sharedMemoryVariant } from '../../scripts/wat.mjs';

describe.each(WAT_MODULES as { wat: string; constant: string }[])('$wat', ({ wat, constant }) => {
  it('is embedded as the bytes it compiles to (run `pnpm run compile:wat` after editing a .wat)', async () => {
    const source = await readFile(new URL(`../${wat}`, import.meta.url), 'utf8');
    const embedded = (await import(`../${wat.replace(/\.wat$/, '-wasm.js')}`)) as Record<string, string>;
    const base64 = async (text: string) => Buffer.from((await compileWat(text, wat)) as Uint8Array).toString('base64');
    expect(await base64(source)).toBe(embedded[`${constant}_WASM`]);
    expect(await base64(sharedMemoryVariant(source) as string)).toBe(embedded[`${constant}_SHARED_WASM`]);
  });
});
