import protobuf from 'protobufjs/minimal.js';
import type { Histogram } from '../tensor-statistics.js';

type Writer = protobuf.Writer;

// Field numbers from tensorflow/core/util/event.proto and framework/summary.proto.
const EVENT = { wallTime: 1, step: 2, fileVersion: 3, summary: 5 } as const;
const SUMMARY = { value: 1 } as const;
const VALUE = { tag: 1, simpleValue: 2, image: 4, histo: 5, tensor: 8, metadata: 9 } as const;
const HISTOGRAM = { min: 1, max: 2, num: 3, sum: 4, sumSquares: 5, bucketLimit: 6, bucket: 7 } as const;
const IMAGE = { height: 1, width: 2, colorspace: 3, encoded: 4 } as const;
const METADATA = { pluginData: 1 } as const;
const PLUGIN_DATA = { pluginName: 1 } as const;
const TENSOR = { dtype: 1, tensorShape: 2, stringVal: 8 } as const;
const DT_STRING = 7;

const VARINT = 0;
const FIXED64 = 1;
const LENGTH_DELIMITED = 2;
const FIXED32 = 5;

/** The key before every field: field number and wire type in one varint. */
function key(field: number, wireType: number): number {
  return ((field << 3) | wireType) >>> 0;
}

/** Writes `build`'s fields as an embedded message (length-delimited) in field `field`. */
function message(writer: Writer, field: number, build: (inner: Writer) => void): Writer {
  build(writer.uint32(key(field, LENGTH_DELIMITED)).fork());
  return writer.ldelim();
}

/** Writes a summary `Value` into the writer: what a scalar, histogram, image or text adds after the tag. */
export type ValueEncoder = (value: Writer) => void;

/** The first record of every event file: wall time and `brain.Event:2`. */
export function fileVersionEvent(wallTimeSeconds: number): Uint8Array {
  return protobuf.Writer.create()
    .uint32(key(EVENT.wallTime, FIXED64))
    .double(wallTimeSeconds)
    .uint32(key(EVENT.fileVersion, LENGTH_DELIMITED))
    .string('brain.Event:2')
    .finish();
}

/** An `Event` holding a `Summary` with one tagged `Value`. */
export function summaryEvent(wallTimeSeconds: number, step: number, tag: string, encodeValue: ValueEncoder): Uint8Array {
  const writer = protobuf.Writer.create()
    .uint32(key(EVENT.wallTime, FIXED64))
    .double(wallTimeSeconds)
    .uint32(key(EVENT.step, VARINT))
    .int64(step);
  message(writer, EVENT.summary, (summary) =>
    message(summary, SUMMARY.value, (value) => {
      value.uint32(key(VALUE.tag, LENGTH_DELIMITED)).string(tag);
      encodeValue(value);
    }),
  );
  return writer.finish();
}

/** `simple_value`: a float32 scalar. */
export function scalarValue(scalar: number): ValueEncoder {
  return (value) => value.uint32(key(VALUE.simpleValue, FIXED32)).float(scalar);
}

/** `histo`: a `HistogramProto` with packed bucket limits and counts. */
export function histogramValue(histogram: Histogram): ValueEncoder {
  const packedDoubles = (writer: Writer, field: number, values: readonly number[]) =>
    message(writer, field, (packed) => values.forEach((item) => packed.double(item)));
  return (value) =>
    message(value, VALUE.histo, (proto) => {
      const doubles: Array<[field: number, value: number]> = [
        [HISTOGRAM.min, histogram.min],
        [HISTOGRAM.max, histogram.max],
        [HISTOGRAM.num, histogram.num],
        [HISTOGRAM.sum, histogram.sum],
        [HISTOGRAM.sumSquares, histogram.sumSquares],
      ];
      for (const [field, double] of doubles) proto.uint32(key(field, FIXED64)).double(double);
      packedDoubles(proto, HISTOGRAM.bucketLimit, histogram.bucketLimits);
      packedDoubles(proto, HISTOGRAM.bucket, histogram.bucketCounts);
    });
}

/** `image`: PNG bytes with their size and channel count (TensorBoard's colorspace). */
export function imageValue(png: Uint8Array, size: { width: number; height: number; channels: number }): ValueEncoder {
  return (value) =>
    message(value, VALUE.image, (image) => {
      image.uint32(key(IMAGE.height, VARINT)).int32(size.height);
      image.uint32(key(IMAGE.width, VARINT)).int32(size.width);
      image.uint32(key(IMAGE.colorspace, VARINT)).int32(size.channels);
      image.uint32(key(IMAGE.encoded, LENGTH_DELIMITED)).bytes(png);
    });
}

/** Text for TensorBoard's `text` plugin: plugin metadata and a rank-0 DT_STRING tensor. */
export function textValue(text: string): ValueEncoder {
  return (value) => {
    message(value, VALUE.metadata, (metadata) =>
      message(metadata, METADATA.pluginData, (pluginData) =>
        pluginData.uint32(key(PLUGIN_DATA.pluginName, LENGTH_DELIMITED)).string('text'),
      ),
    );
    message(value, VALUE.tensor, (tensor) => {
      tensor.uint32(key(TENSOR.dtype, VARINT)).int32(DT_STRING);
      message(tensor, TENSOR.tensorShape, () => {}); // rank 0: an empty TensorShapeProto
      tensor.uint32(key(TENSOR.stringVal, LENGTH_DELIMITED)).string(text);
    });
  };
}

// tensorboard/plugins/hparams/plugin_data.proto and api.proto, google/protobuf/struct.proto.
const HPARAMS_DATA = { version: 1, experiment: 2, sessionStartInfo: 3, sessionEndInfo: 4 } as const;
const EXPERIMENT = { description: 1, timeCreatedSecs: 3, hparamInfos: 4, metricInfos: 5, name: 6 } as const;
const HPARAM_INFO = { name: 1, type: 4 } as const;
const METRIC_INFO = { name: 1, displayName: 3 } as const;
const METRIC_NAME = { group: 1, tag: 2 } as const;
const SESSION_START = { hparams: 1, groupName: 4, startTimeSecs: 5 } as const;
const SESSION_END = { status: 1, endTimeSecs: 2 } as const;
const STRUCT_VALUE = { numberValue: 2, stringValue: 3, boolValue: 4 } as const;
const PLUGIN_CONTENT = 2;
const DT_FLOAT = 1;
const DATA_TYPE = { string: 1, bool: 2, float64: 3 } as const;

/** A hyperparameter's value as TensorBoard's HParams plugin stores it. */
export type HParamValue = string | number | boolean;

/** How a training session ended (`tensorboard.hparams.Status`). */
export const HPARAMS_STATUS = { unknown: 0, success: 1, failure: 2, running: 3 } as const;

function structValue(writer: Writer, field: number, value: HParamValue): void {
  message(writer, field, (inner) => {
    if (typeof value === 'boolean') inner.uint32(key(STRUCT_VALUE.boolValue, VARINT)).bool(value);
    else if (typeof value === 'number') inner.uint32(key(STRUCT_VALUE.numberValue, FIXED64)).double(value);
    else inner.uint32(key(STRUCT_VALUE.stringValue, LENGTH_DELIMITED)).string(value);
  });
}

/** `HParamsPluginData` (version 0) holding an `Experiment`: the hyperparameters' names and types and the metrics' tags. */
export function hparamsExperiment(
  hparams: Record<string, HParamValue>,
  metricTags: readonly string[],
  timeCreatedSecs: number,
  name = '',
): Uint8Array {
  const writer = protobuf.Writer.create().uint32(key(HPARAMS_DATA.version, VARINT)).int32(0);
  message(writer, HPARAMS_DATA.experiment, (experiment) => {
    if (name) experiment.uint32(key(EXPERIMENT.name, LENGTH_DELIMITED)).string(name);
    experiment.uint32(key(EXPERIMENT.timeCreatedSecs, FIXED64)).double(timeCreatedSecs);
    for (const [hparam, value] of Object.entries(hparams)) {
      const type = typeof value === 'boolean' ? DATA_TYPE.bool : typeof value === 'number' ? DATA_TYPE.float64 : DATA_TYPE.string;
      message(experiment, EXPERIMENT.hparamInfos, (info) => {
        info.uint32(key(HPARAM_INFO.name, LENGTH_DELIMITED)).string(hparam);
        info.uint32(key(HPARAM_INFO.type, VARINT)).int32(type);
      });
    }
    for (const tag of metricTags) {
      message(experiment, EXPERIMENT.metricInfos, (info) => {
        message(info, METRIC_INFO.name, (metricName) => {
          metricName.uint32(key(METRIC_NAME.group, LENGTH_DELIMITED)).string('');
          metricName.uint32(key(METRIC_NAME.tag, LENGTH_DELIMITED)).string(tag);
        });
        info.uint32(key(METRIC_INFO.displayName, LENGTH_DELIMITED)).string(tag);
      });
    }
  });
  return writer.finish();
}

/** `HParamsPluginData` holding a `SessionStartInfo`: this run's hyperparameter values. */
export function hparamsSessionStart(hparams: Record<string, HParamValue>, startTimeSecs: number, groupName = ''): Uint8Array {
  const writer = protobuf.Writer.create().uint32(key(HPARAMS_DATA.version, VARINT)).int32(0);
  message(writer, HPARAMS_DATA.sessionStartInfo, (start) => {
    for (const [hparam, value] of Object.entries(hparams)) {
      message(start, SESSION_START.hparams, (entry) => {
        entry.uint32(key(1, LENGTH_DELIMITED)).string(hparam);
        structValue(entry, 2, value);
      });
    }
    if (groupName) start.uint32(key(SESSION_START.groupName, LENGTH_DELIMITED)).string(groupName);
    start.uint32(key(SESSION_START.startTimeSecs, FIXED64)).double(startTimeSecs);
  });
  return writer.finish();
}

/** `HParamsPluginData` holding a `SessionEndInfo`: status and end time. */
export function hparamsSessionEnd(status: number, endTimeSecs: number): Uint8Array {
  const writer = protobuf.Writer.create().uint32(key(HPARAMS_DATA.version, VARINT)).int32(0);
  message(writer, HPARAMS_DATA.sessionEndInfo, (end) => {
    end.uint32(key(SESSION_END.status, VARINT)).int32(status);
    end.uint32(key(SESSION_END.endTimeSecs, FIXED64)).double(endTimeSecs);
  });
  return writer.finish();
}

/** A summary value for the `hparams` plugin: metadata with the plugin data as content, and the plugin's null tensor (a float32 0). */
export function hparamsValue(content: Uint8Array): ValueEncoder {
  return (value) => {
    message(value, VALUE.metadata, (metadata) =>
      message(metadata, METADATA.pluginData, (pluginData) => {
        pluginData.uint32(key(PLUGIN_DATA.pluginName, LENGTH_DELIMITED)).string('hparams');
        pluginData.uint32(key(PLUGIN_CONTENT, LENGTH_DELIMITED)).bytes(content);
      }),
    );
    message(value, VALUE.tensor, (tensor) => {
      tensor.uint32(key(TENSOR.dtype, VARINT)).int32(DT_FLOAT);
      message(tensor, TENSOR.tensorShape, () => {});
      message(tensor, 5, (packed) => packed.float(0)); // float_val
    });
  };
}
