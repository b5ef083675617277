import { defineConfig } from 'vitest/config';
import { holomindTestDefaults } from '@holomind/testing/vitest';

export default defineConfig({ test: holomindTestDefaults() });
