import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { parse, stringify } from 'yaml';
import { applyMutation, byteMutations, propertyParameters, PropertyOutcomes } from '@holomind/testing';
import { CliError } from '../errors.js';
import { loadConfigFile, MAX_CONFIG_BYTES, MAX_CONFIG_NESTING, nestingUpperBound } from './load-config.js';
import { configSchema } from './schema.js';

// Property test of issue #15: random, mutated and hostile YAML never crashes loadConfigFile, never
// expands beyond a stated bound, and ends in a CONFIG_* CliError or the configuration the schema
// makes of the same YAML.
const folder = mkdtempSync(path.join(os.tmpdir(), 'holomind-config-property-'));
afterAll(() => rmSync(folder, { recursive: true, force: true }));

const anyScalar = fc.oneof(fc.integer(), fc.double(), fc.boolean(), fc.string({ maxLength: 12 }), fc.constant(null));
/** Plausible configurations: real section and key names with valid or invalid values. */
const plausibleConfig = fc.record(
  {
    benchmark: fc.constantFrom('split-mnist', 'permuted-mnist', 'rotated-mnist', 'nope'),
    strategy: fc.constantFrom('holomind', 'ewc', 'finetune', 'bogus'),
    seed: fc.oneof(fc.nat(1000), anyScalar),
    training: fc.record(
      {
        epochs: fc.oneof(fc.integer({ min: 1, max: 5 }), anyScalar),
        batchSize: fc.integer({ min: -2, max: 256 }),
        tasks: fc.integer({ min: 0, max: 9 }),
      },
      { requiredKeys: [] },
    ),
    ewc: fc.record(
      { lambda: fc.oneof(fc.double({ min: 0, max: 1e4, noNaN: true }), anyScalar), gamma: fc.double() },
      { requiredKeys: [] },
    ),
    monitoring: fc.record(
      { forgettingAlert: fc.double({ min: -1, max: 2 }), dashboardPort: fc.integer({ min: -1, max: 70000 }) },
      { requiredKeys: [] },
    ),
    extra: anyScalar,
  },
  { requiredKeys: [] },
);

/** Alias chains: `levels` anchors, each a list of `width` aliases of the previous one. */
const aliasBomb = fc
  .record({ levels: fc.integer({ min: 1, max: 12 }), width: fc.integer({ min: 1, max: 12 }) })
  .map(({ levels, width }) => {
    const lines = ['a0: &a0 [x, y]'];
    for (let level = 1; level < levels; level++)
      lines.push(
        `a${level}: &a${level} [${Array(width)
          .fill(`*a${level - 1}`)
          .join(', ')}]`,
      );
    return lines.join('\n');
  });

const deepNesting = fc.integer({ min: 1, max: 3000 }).map((depth) => `training: ${'['.repeat(depth)}${']'.repeat(depth)}`);

const yamlText = fc.oneof(
  { weight: 5, arbitrary: plausibleConfig.map((config) => stringify(config)) },
  { weight: 1, arbitrary: aliasBomb },
  { weight: 1, arbitrary: deepNesting },
  { weight: 1, arbitrary: fc.string({ maxLength: 200 }) },
  { weight: 1, arbitrary: fc.constant('x'.repeat(MAX_CONFIG_BYTES + 1)) },
);

/** What the schema makes of the text parsed by yaml with the same limits, or undefined if that fails. */
function reference(text: string): unknown {
  try {
    // The parser itself must not see text deep enough to overflow the stack (it can kill the process).
    if (Buffer.byteLength(text) > MAX_CONFIG_BYTES || nestingUpperBound(text) > MAX_CONFIG_NESTING) return undefined;
    const raw = parse(text, { uniqueKeys: true, maxAliasCount: 50, logLevel: 'error' }) ?? {};
    if (typeof raw !== 'object' || Array.isArray(raw)) return undefined;
    const result = configSchema.safeParse(raw);
    return result.success ? result.data : undefined;
  } catch {
    return undefined;
  }
}

describe('loadConfigFile on random and hostile YAML (property)', () => {
  it('returns the schema of the same YAML or a CONFIG_* error, and expands at most 64x', async () => {
    const outcomes = new PropertyOutcomes('loadConfigFile');
    const file = path.join(folder, 'config.yaml');
    await fc.assert(
      fc.asyncProperty(yamlText, fc.option(byteMutations(), { freq: 2 }), async (text, mutation) => {
        const bytes = mutation ? applyMutation(Buffer.from(text), mutation) : Buffer.from(text);
        writeFileSync(file, bytes);
        const written = Buffer.from(bytes).toString('utf8');
        const expected = reference(written);
        try {
          const config = await loadConfigFile(file);
          expect(expected).toBeDefined();
          expect(config).toEqual(expected);
          // Defaults are ~1 KiB; beyond them the result may not exceed 64 bytes per input byte.
          expect(JSON.stringify(config).length).toBeLessThanOrEqual(64 * bytes.length + 4096);
          outcomes.record('correct');
        } catch (error) {
          if (!CliError.isInstance(error)) throw error;
          expect(error.code).toMatch(/^CONFIG_/);
          outcomes.record(error.code);
        }
      }),
      propertyParameters(),
    );
    outcomes.finish();
  }, 600_000);
});
