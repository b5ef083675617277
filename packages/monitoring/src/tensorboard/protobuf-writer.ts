/**
 * The few protobuf wire-format encodings TensorBoard's Event messages need: varints (wire type 0),
 * 64-bit (1), length-delimited (2) and 32-bit (5). Fields are written in the order called.
 */
export class ProtobufWriter {
  private chunks: number[] = [];
  private readonly scratch = new DataView(new ArrayBuffer(8));

  /** A non-negative integer up to 2^53 − 1, or a negative one (ten-byte two's complement, as int64). */
  private varint(value: number): void {
    if (value < 0) {
      let big = BigInt.asUintN(64, BigInt(value));
      while (big >= 0x80n) {
        this.chunks.push(Number(big & 0x7fn) | 0x80);
        big >>= 7n;
      }
      this.chunks.push(Number(big));
      return;
    }
    // Division instead of >>> because values may exceed 32 bits.
    while (value >= 0x80) {
      this.chunks.push(value % 0x80 | 0x80);
      value = Math.floor(value / 0x80);
    }
    this.chunks.push(value);
  }

  private tag(field: number, wireType: number): void {
    this.varint(field * 8 + wireType);
  }

  /** int32 / int64 / enum field. */
  int(field: number, value: number): this {
    this.tag(field, 0);
    this.varint(value);
    return this;
  }

  /** float field (fixed32, little-endian). */
  float(field: number, value: number): this {
    this.tag(field, 5);
    this.scratch.setFloat32(0, value, true);
    for (let i = 0; i < 4; i++) this.chunks.push(this.scratch.getUint8(i));
    return this;
  }

  /** double field (fixed64, little-endian). */
  double(field: number, value: number): this {
    this.tag(field, 1);
    this.pushDouble(value);
    return this;
  }

  /** bytes field. */
  bytes(field: number, value: Uint8Array): this {
    this.tag(field, 2);
    this.varint(value.length);
    for (let i = 0; i < value.length; i++) this.chunks.push(value[i]!);
    return this;
  }

  /** string field (UTF-8). */
  string(field: number, value: string): this {
    return this.bytes(field, new TextEncoder().encode(value));
  }

  /** Embedded message field. */
  message(field: number, build: (writer: ProtobufWriter) => void): this {
    const inner = new ProtobufWriter();
    build(inner);
    return this.bytes(field, inner.finish());
  }

  /** packed repeated double field. */
  packedDoubles(field: number, values: readonly number[]): this {
    this.tag(field, 2);
    this.varint(values.length * 8);
    for (const value of values) this.pushDouble(value);
    return this;
  }

  finish(): Uint8Array {
    return Uint8Array.from(this.chunks);
  }

  private pushDouble(value: number): void {
    this.scratch.setFloat64(0, value, true);
    for (let i = 0; i < 8; i++) this.chunks.push(this.scratch.getUint8(i));
  }
}
