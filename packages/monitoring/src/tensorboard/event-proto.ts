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
