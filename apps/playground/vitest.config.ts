import { defineConfig } from 'vitest/config';
import { holomindTestDefaults } from '@holomind/testing/vitest';

// One browser at a time: each file trains in Chromium, and the machines have two cores.
export default defineConfig({ test: { ...holomindTestDefaults(), fileParallelism: false, testTimeout: 300_000 } });
