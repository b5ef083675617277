import os from 'node:os';
import * as tf from '@tensorflow/tfjs-core';
import { describeValue } from '@holomind/core';
import { MonitoringError, checkOption } from './errors.js';
import { Listeners, unrefInterval } from './listeners.js';
import type { MetricsTracker } from './metrics-tracker.js';

/** What a GPU adapter says about itself (the shape `@holomind/tensor-kernels` reports). */
export interface AdapterLike {
  vendor?: string;
  architecture?: string;
  device?: string;
  description?: string;
}

/** The backend description a caller may pass, e.g. the `BackendInfo` from `initBackend()`. */
export interface BackendLike {
  name?: string;
  adapter?: AdapterLike;
  isSoftware?: boolean;
}

/** One measurement of the process and of TensorFlow.js. */
export interface ResourceSample {
  /** Milliseconds since the epoch. */
  wallTime: number;
  rssBytes: number;
  heapUsedBytes: number;
  heapTotalBytes: number;
  externalBytes: number;
  arrayBuffersBytes: number;
  /** CPU time of this process over wall time since the previous sample, in % of one core (can exceed 100). */
  cpuPercent: number;
  cpuCores: number;
  /** tf.memory(): live tensors, their bytes, data buffers; null when no tfjs backend is available. */
  tfNumTensors: number | null;
  tfNumBytes: number | null;
  tfNumDataBuffers: number | null;
  /** Bytes on the GPU when the backend reports them (webgpu, webgl), else null. */
  tfNumBytesInGpu: number | null;
  /** True when the backend cannot count its memory exactly. */
  tfUnreliable: boolean;
  /** The active tfjs backend, or null when none is initialised. */
  backend: string | null;
  /** A one-line adapter description, or null. */
  adapter: string | null;
}

/** Options of {@link ResourceSampler}. */
export interface ResourceSamplerOptions {
  /** Sampling period. Default 5,000 ms. */
  intervalMs?: number;
  /** When given, every sample is also logged as metrics (`system/…`, `tf/…`). */
  tracker?: MetricsTracker;
  /** Backend and adapter to report, e.g. the `BackendInfo` returned by `initBackend()`. */
  backendInfo?: BackendLike;
  /** Samples kept in memory. Default 720 (an hour at 5 s). */
  historyLimit?: number;
  /** Clock in milliseconds since the epoch. Default `Date.now`. */
  now?: () => number;
}

/** The metric names a sampler logs, declared on its tracker so alert rules may name them. */
export const RESOURCE_METRICS = {
  'system/rss_bytes': { unit: 'bytes', goal: 'minimize', description: 'Resident set size of the process' },
  'system/heap_used_bytes': { unit: 'bytes', goal: 'minimize', description: 'V8 heap in use' },
  'system/cpu_percent': { unit: '%', description: 'Process CPU time over wall time, % of one core' },
  'tf/num_tensors': { unit: 'tensors', goal: 'minimize', description: 'Live TensorFlow.js tensors' },
  'tf/num_bytes': { unit: 'bytes', goal: 'minimize', description: 'Bytes held by live TensorFlow.js tensors' },
} as const;

/**
 * Samples memory (RSS, heap), CPU % and `tf.memory()` on an interval. The timer is `unref`ed: a
 * running sampler never keeps Node alive.
 *
 * @example
 * ```ts
 * const sampler = new ResourceSampler({ tracker, intervalMs: 2000, backendInfo: await initBackend() }).start();
 * // ... train ...
 * sampler.stop();
 * ```
 */
export class ResourceSampler {
  readonly intervalMs: number;
  private readonly tracker: MetricsTracker | undefined;
  private readonly backendInfo: BackendLike | undefined;
  private readonly historyLimit: number;
  private readonly now: () => number;
  private readonly samples: ResourceSample[] = [];
  private readonly listeners = new Listeners<ResourceSample>();
  private timer: ReturnType<typeof setInterval> | undefined;
  private previousCpu = process.cpuUsage();
  private previousTime = performance.now();
  private count = 0;

  constructor(options: ResourceSamplerOptions = {}) {
    this.intervalMs = options.intervalMs ?? 5000;
    if (typeof this.intervalMs !== 'number' || !Number.isFinite(this.intervalMs) || this.intervalMs < 1) {
      throw new MonitoringError(
        'INVALID_ARGUMENT',
        `intervalMs ${describeValue(options.intervalMs)} must be a number ≥ 1 (milliseconds).`,
      );
    }
    this.historyLimit = checkOption.positiveInteger('historyLimit', options.historyLimit ?? 720);
    this.tracker = options.tracker;
    this.backendInfo = options.backendInfo;
    this.now = options.now ?? Date.now;
    if (this.tracker)
      for (const [name, definition] of Object.entries(RESOURCE_METRICS)) this.tracker.defineMetric(name, definition);
  }

  /** True between `start()` and `stop()`. */
  get running(): boolean {
    return this.timer !== undefined;
  }

  /** Starts sampling every `intervalMs` (first sample immediately). Idempotent. */
  start(): this {
    if (this.timer) return this;
    this.sample();
    this.timer = unrefInterval(() => this.sample(), this.intervalMs);
    return this;
  }

  stop(): void {
    clearInterval(this.timer);
    this.timer = undefined;
  }

  /** Calls `listener` with every new sample. Returns the unsubscribe function. */
  subscribe(listener: (sample: ResourceSample) => void): () => void {
    return this.listeners.subscribe(listener);
  }

  /** Takes one sample now (also what the timer calls). */
  sample(): ResourceSample {
    const memory = process.memoryUsage();
    const cpu = process.cpuUsage();
    const time = performance.now();
    const cpuMicros = cpu.user - this.previousCpu.user + (cpu.system - this.previousCpu.system);
    const elapsedMs = time - this.previousTime;
    this.previousCpu = cpu;
    this.previousTime = time;
    let tfMemory: (tf.MemoryInfo & { numBytesInGPU?: number }) | null = null;
    let backend: string | null = null;
    try {
      tfMemory = tf.memory();
      backend = tf.getBackend() ?? null;
    } catch {
      // tf.memory() throws when no backend is registered or none initialises: report "none", not a failure.
      tfMemory = null;
    }
    const sample: ResourceSample = {
      wallTime: this.now(),
      rssBytes: memory.rss,
      heapUsedBytes: memory.heapUsed,
      heapTotalBytes: memory.heapTotal,
      externalBytes: memory.external,
      arrayBuffersBytes: memory.arrayBuffers,
      cpuPercent: elapsedMs > 0 ? (cpuMicros / 1000 / elapsedMs) * 100 : 0,
      cpuCores: os.availableParallelism?.() ?? os.cpus().length,
      tfNumTensors: tfMemory?.numTensors ?? null,
      tfNumBytes: tfMemory?.numBytes ?? null,
      tfNumDataBuffers: tfMemory?.numDataBuffers ?? null,
      tfNumBytesInGpu: typeof tfMemory?.numBytesInGPU === 'number' ? tfMemory.numBytesInGPU : null,
      tfUnreliable: Boolean(tfMemory?.unreliable),
      backend: this.backendInfo?.name ?? backend,
      adapter: describeAdapter(this.backendInfo?.adapter),
    };
    this.samples.push(sample);
    if (this.samples.length > this.historyLimit) this.samples.shift();
    if (this.tracker) {
      const metrics: Record<string, number> = {
        'system/rss_bytes': sample.rssBytes,
        'system/heap_used_bytes': sample.heapUsedBytes,
        'system/cpu_percent': sample.cpuPercent,
      };
      if (sample.tfNumTensors !== null) metrics['tf/num_tensors'] = sample.tfNumTensors;
      if (sample.tfNumBytes !== null) metrics['tf/num_bytes'] = sample.tfNumBytes;
      this.tracker.log(metrics, { step: this.count, wallTime: sample.wallTime });
    }
    this.count += 1;
    for (const listener of this.listeners) listener(sample);
    return sample;
  }

  /** The newest sample, or null before the first. */
  latest(): ResourceSample | null {
    return this.samples.at(-1) ?? null;
  }

  /** Samples kept in memory, oldest first. */
  history(): ResourceSample[] {
    return [...this.samples];
  }
}

function describeAdapter(adapter: AdapterLike | undefined): string | null {
  if (!adapter) return null;
  const parts = [adapter.vendor, adapter.architecture, adapter.device, adapter.description].filter(
    (part): part is string => typeof part === 'string' && part !== '',
  );
  return parts.length > 0 ? [...new Set(parts)].join(' / ') : null;
}
