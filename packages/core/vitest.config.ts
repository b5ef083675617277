import { defineConfig } from 'vitest/config';

// Not @holomind/testing's defaults: that package depends on this one. Same reporters, so CI's summary counts these tests.
export default defineConfig({
  test: {
    include: ['src/**/*.test.ts'],
    reporters: ['default', 'json'],
    outputFile: { json: '.test-results/vitest.json' },
  },
});
