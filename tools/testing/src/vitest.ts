import { fileURLToPath } from 'node:url';

/** The vitest options every HoloMind package shares. */
export function holomindTestDefaults() {
  return {
    include: ['src/**/*.test.ts', 'test/**/*.test.ts'],
    // Native addons (Dawn, better-sqlite3) and tfjs's global engine want a process per file.
    pool: 'forks' as const,
    testTimeout: 120_000,
    hookTimeout: 300_000,
    // The JSON report lets .ci/run print one 'N passed, N failed' line over every package.
    reporters: ['default', 'json'],
    outputFile: { json: '.test-results/vitest.json' },
    setupFiles: [fileURLToPath(new URL('./vitest-setup.js', import.meta.url))],
  };
}
