import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { beforeAll, describe, expect, it } from 'vitest';
import { AlertManager } from './alert-manager.js';
import { MetricsTracker } from './metrics-tracker.js';
import { ResourceSampler } from './resource-sampler.js';

const run = promisify(execFile);

beforeAll(async () => {
  await tf.setBackend('cpu');
});

describe('ResourceSampler', () => {
  it('reports process memory, CPU and tf.memory(), and counts tensors as they are created', () => {
    const sampler = new ResourceSampler({ backendInfo: { name: 'wasm', adapter: { vendor: 'mesa', architecture: 'software' } } });
    const before = sampler.sample();
    const tensors = [tf.ones([256, 256]), tf.zeros([10])];
    let spin = 0;
    for (let i = 0; i < 3e6; i++) spin += Math.sqrt(i);
    const after = sampler.sample();
    tf.dispose(tensors);
    expect(spin).toBeGreaterThan(0);
    expect(after.tfNumTensors! - before.tfNumTensors!).toBe(2);
    expect(after.tfNumBytes! - before.tfNumBytes!).toBe((256 * 256 + 10) * 4);
    expect(after.rssBytes).toBeGreaterThan(after.heapUsedBytes);
    expect(after.cpuPercent).toBeGreaterThan(0); // the busy loop used CPU time
    expect(after).toMatchObject({ backend: 'wasm', adapter: 'mesa / software', tfUnreliable: true }); // the cpu backend says its byte count is unreliable
    expect(sampler.history()).toHaveLength(2);
  });

  it('logs samples as metrics that alert rules may name', () => {
    const tracker = new MetricsTracker();
    const sampler = new ResourceSampler({ tracker });
    const alerts = new AlertManager({ tracker, rules: [{ metric: 'system/rss_bytes', direction: 'above', warning: 1 }] });
    sampler.sample();
    expect(tracker.metricNames()).toEqual([
      'system/cpu_percent',
      'system/heap_used_bytes',
      'system/rss_bytes',
      'tf/num_bytes',
      'tf/num_tensors',
    ]);
    expect(alerts.getHistory()[0]).toMatchObject({ metric: 'system/rss_bytes', severity: 'warning' });
    expect(tf.getBackend()).toBe('cpu');
  });

  it('samples on its interval without keeping the process alive', async () => {
    // A child process starts a 20 ms sampler and returns; it must exit by itself after a few samples.
    const script = `
      import { ResourceSampler } from ${JSON.stringify(fileURLToPath(new URL('./resource-sampler.ts', import.meta.url)))};
      const sampler = new ResourceSampler({ intervalMs: 20 }).start();
      setTimeout(() => console.log(JSON.stringify({ samples: sampler.history().length, running: sampler.running })), 200);
    `;
    const { stdout } = await run(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
      cwd: fileURLToPath(new URL('..', import.meta.url)),
      timeout: 30_000, // a sampler that kept the process alive would run into this
    });
    const result = JSON.parse(stdout.trim()) as { samples: number; running: boolean };
    expect(result.running).toBe(true);
    expect(result.samples).toBeGreaterThan(1);
  });

  it('stops and restarts, and rejects a bad interval', () => {
    const sampler = new ResourceSampler({ intervalMs: 10_000 }).start();
    expect(sampler.running).toBe(true);
    sampler.stop();
    expect(sampler.running).toBe(false);
    expect(() => new ResourceSampler({ intervalMs: 0 })).toThrow(/intervalMs 0 must be a number ≥ 1/);
  });
});
