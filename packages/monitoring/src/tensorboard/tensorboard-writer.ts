import { closeSync, fsyncSync, mkdirSync, openSync, writeSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describeValue } from '@holomind/core';
import { MonitoringError } from '../errors.js';
import { unrefInterval } from '../listeners.js';
import { histogramOf, type Histogram, type NamedStatistics } from '../tensor-statistics.js';
import type { MetricPoint, MetricSink } from '../types.js';
import {
  fileVersionEvent,
  HPARAMS_STATUS,
  hparamsExperiment,
  hparamsSessionEnd,
  hparamsSessionStart,
  hparamsValue,
  type HParamValue,
  histogramValue,
  imageValue,
  scalarValue,
  summaryEvent,
  textValue,
  type ValueEncoder,
} from './event-proto.js';
import { encodePng, readPngHeader, type RawImage } from './png.js';
import { tfRecord } from './tfrecord.js';

/** Options of {@link TensorBoardWriter}. */
export interface TensorBoardWriterOptions {
  /** Buffered records are written at least this often (timer is `unref`ed). Default 2,000 ms. */
  flushIntervalMs?: number;
  /** Buffered records that trigger a write at once. Default 200. */
  maxQueuedRecords?: number;
  /** Appended to the file name, e.g. `.v2`. */
  filenameSuffix?: string;
  /** Clock in milliseconds since the epoch. Default `Date.now`. */
  now?: () => number;
}

let fileCounter = 0;

/**
 * Writes TensorBoard event files (TFRecord framing, masked CRC-32C) without TensorFlow: scalars,
 * histograms, PNG images and text. Point `tensorboard --logdir` at the folder.
 *
 * @example
 * ```ts
 * const writer = new TensorBoardWriter('runs/split-mnist');
 * writer.addScalar('loss', 0.42, 100);
 * writer.addHistogram('weights/dense_1', await kernel.data(), 100);
 * writer.addText('notes', 'EWC λ = 400', 0);
 * writer.close();
 * ```
 */
export class TensorBoardWriter {
  /** The event file being written. */
  readonly filePath: string;
  private fd: number | undefined;
  private queue: Uint8Array[] = [];
  private readonly maxQueuedRecords: number;
  private readonly now: () => number;
  private readonly timer: ReturnType<typeof setInterval>;

  constructor(logDir: string, options: TensorBoardWriterOptions = {}) {
    if (typeof logDir !== 'string' || logDir === '') {
      throw new MonitoringError('INVALID_ARGUMENT', `TensorBoardWriter: logDir ${describeValue(logDir)} must be a folder path.`);
    }
    this.now = options.now ?? Date.now;
    this.maxQueuedRecords = options.maxQueuedRecords ?? 200;
    const flushIntervalMs = options.flushIntervalMs ?? 2000;
    if (!Number.isFinite(flushIntervalMs) || flushIntervalMs < 1) {
      throw new MonitoringError('INVALID_ARGUMENT', `flushIntervalMs ${describeValue(flushIntervalMs)} must be ≥ 1.`);
    }
    mkdirSync(logDir, { recursive: true });
    const seconds = String(Math.floor(this.now() / 1000)).padStart(10, '0');
    const host = os.hostname().replace(/[^A-Za-z0-9_.-]/g, '_');
    this.filePath = path.join(
      logDir,
      `events.out.tfevents.${seconds}.${host}.${process.pid}.${fileCounter++}${options.filenameSuffix ?? ''}`,
    );
    this.fd = openSync(this.filePath, 'a');
    this.queue.push(tfRecord(fileVersionEvent(this.now() / 1000)));
    this.flush();
    this.timer = unrefInterval(() => this.flushQuietly(), flushIntervalMs);
  }

  /** A scalar (stored as float32 `simple_value`; NaN and ±Infinity are kept). */
  addScalar(tag: string, value: number, step: number, wallTime?: number): void {
    if (typeof value !== 'number') {
      throw new MonitoringError('INVALID_ARGUMENT', `addScalar('${tag}'): value ${describeValue(value)} must be a number.`);
    }
    this.addValue(tag, step, wallTime, scalarValue(value));
  }

  /** Several scalars at one step, e.g. `{ loss: 0.4, accuracy: 0.9 }`. */
  addScalars(values: Record<string, number>, step: number, wallTime?: number): void {
    for (const [tag, value] of Object.entries(values)) this.addScalar(tag, value, step, wallTime);
  }

  /** A histogram of raw values (binned into `bins` buckets) or of a prepared {@link Histogram}. */
  addHistogram(
    tag: string,
    values: ArrayLike<number> | Histogram,
    step: number,
    options: { bins?: number; wallTime?: number } = {},
  ): void {
    const histogram = isHistogram(values) ? values : histogramOf(values, options.bins);
    this.addValue(tag, step, options.wallTime, histogramValue(histogram));
  }

  /** One histogram per tensor of `namedStatistics` (weights or gradients), tagged `<prefix>/<name>`. */
  addHistograms(prefix: string, statistics: NamedStatistics, step: number, wallTime?: number): void {
    for (const [name, one] of Object.entries(statistics.tensors))
      this.addHistogram(`${prefix}/${name}`, one.histogram, step, { wallTime });
  }

  /** An image: PNG bytes (e.g. from `renderPng`) or raw 8-bit pixels, which are PNG-encoded. */
  addImage(tag: string, image: Uint8Array | RawImage, step: number, wallTime?: number): void {
    const png = image instanceof Uint8Array ? image : encodePng(image);
    this.addValue(tag, step, wallTime, imageValue(png, readPngHeader(png)));
  }

  /** Text (Markdown in TensorBoard's Text tab): a rank-0 string tensor tagged for the `text` plugin. */
  addText(tag: string, text: string, step: number, wallTime?: number): void {
    if (typeof text !== 'string') {
      throw new MonitoringError('INVALID_ARGUMENT', `addText('${tag}'): text ${describeValue(text)} must be a string.`);
    }
    this.addValue(tag, step, wallTime, textValue(text));
  }

  /**
   * TensorBoard's HParams tab for this run: the experiment (hyperparameter names and types, the
   * scalar tags shown as metrics) and the session's start with its values. Call
   * {@link endHParamsSession} when the run ends; the metrics are the scalars logged under those tags.
   */
  addHParams(
    hparams: Record<string, HParamValue>,
    options: { metricTags?: readonly string[]; groupName?: string; experimentName?: string; wallTime?: number } = {},
  ): void {
    for (const [name, value] of Object.entries(hparams)) {
      if (!['string', 'number', 'boolean'].includes(typeof value)) {
        throw new MonitoringError(
          'INVALID_ARGUMENT',
          `addHParams: hyperparameter '${name}' is ${describeValue(value)}; give a string, number or boolean (flatten nested options).`,
        );
      }
    }
    const seconds = (options.wallTime ?? this.now()) / 1000;
    const experiment = hparamsExperiment(hparams, options.metricTags ?? [], seconds, options.experimentName);
    this.addValue('_hparams_/experiment', 0, options.wallTime, hparamsValue(experiment));
    const start = hparamsSessionStart(hparams, seconds, options.groupName);
    this.addValue('_hparams_/session_start_info', 0, options.wallTime, hparamsValue(start));
  }

  /** The HParams session's end: `success`, `failure` or `running`. */
  endHParamsSession(status: keyof typeof HPARAMS_STATUS = 'success', wallTime?: number): void {
    const end = hparamsSessionEnd(HPARAMS_STATUS[status], (wallTime ?? this.now()) / 1000);
    this.addValue('_hparams_/session_end_info', 0, wallTime, hparamsValue(end));
  }

  /** Writes buffered records to the file. */
  flush(): void {
    if (this.fd === undefined || this.queue.length === 0) return;
    const records = this.queue;
    this.queue = [];
    const total = records.reduce((sum, record) => sum + record.length, 0);
    const buffer = new Uint8Array(total);
    let offset = 0;
    for (const record of records) {
      buffer.set(record, offset);
      offset += record.length;
    }
    let written = 0;
    while (written < buffer.length) written += writeSync(this.fd, buffer, written);
  }

  /** Flushes, fsyncs and closes the file; later writes throw `WRITER_CLOSED`. */
  close(): void {
    if (this.fd === undefined) return;
    clearInterval(this.timer);
    this.flush();
    fsyncSync(this.fd);
    closeSync(this.fd);
    this.fd = undefined;
  }

  private flushQuietly(): void {
    try {
      this.flush();
    } catch (error) {
      // Timer context: nobody to throw to. The records stay lost, so say so loudly.
      console.error(`[@holomind/monitoring] TensorBoard write to ${this.filePath} failed:`, error);
    }
  }

  private addValue(tag: string, step: number, wallTime: number | undefined, encodeValue: ValueEncoder): void {
    if (this.fd === undefined) {
      throw new MonitoringError('WRITER_CLOSED', `TensorBoardWriter for ${this.filePath} is closed; create a new writer.`);
    }
    if (typeof tag !== 'string' || tag === '') {
      throw new MonitoringError('INVALID_ARGUMENT', `TensorBoard tag ${describeValue(tag)} must be a non-empty string.`);
    }
    if (!Number.isSafeInteger(step) || step < 0) {
      throw new MonitoringError(
        'INVALID_ARGUMENT',
        `TensorBoard step ${describeValue(step)} for '${tag}' must be a non-negative integer.`,
      );
    }
    const event = summaryEvent((wallTime ?? this.now()) / 1000, step, tag, encodeValue);
    this.queue.push(tfRecord(event));
    if (this.queue.length >= this.maxQueuedRecords) this.flush();
  }
}

function isHistogram(values: ArrayLike<number> | Histogram): values is Histogram {
  return typeof values === 'object' && values !== null && Array.isArray((values as Histogram).bucketLimits);
}

/** Options of {@link tensorBoardSink}. */
export interface TensorBoardSinkOptions {
  /** The tag of a point; default `<metric>` or `<metric>/task_<taskId>`. */
  tagFor?: (point: MetricPoint) => string;
}

/** A `MetricSink` writing every logged point as a TensorBoard scalar. */
export function tensorBoardSink(writer: TensorBoardWriter, options: TensorBoardSinkOptions = {}): MetricSink {
  const tagFor =
    options.tagFor ?? ((point: MetricPoint) => (point.taskId === null ? point.metric : `${point.metric}/task_${point.taskId}`));
  return {
    writePoints(points) {
      for (const point of points) writer.addScalar(tagFor(point), point.value, point.step, point.wallTime);
    },
    async flush() {
      writer.flush();
    },
    async close() {
      writer.close();
    },
  };
}
