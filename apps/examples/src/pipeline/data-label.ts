import path from 'node:path';
import type { HolomindConfig } from '../config/schema.js';

/** What a run trains on, for names, titles and summaries: `data:<file>` for the user's own data, else the benchmark. */
export function dataLabel(config: Pick<HolomindConfig, 'data' | 'benchmark'>): string {
  return config.data ? `data:${path.basename(config.data.path)}` : config.benchmark;
}
