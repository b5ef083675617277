/**
 * mulberry32: a small, fast 32-bit generator whose whole state is one number, so a network's
 * initialisation and shuffling can be recorded in its state and continued exactly.
 */
export class SeededRandom {
  private state: number;

  constructor(seed: number) {
    this.state = seed >>> 0;
  }

  /** The generator's state; `new SeededRandom(s)` with it continues the same sequence. */
  get seed(): number {
    return this.state;
  }

  /** Continues from a state `seed` returned earlier. */
  reset(state: number): void {
    this.state = state >>> 0;
  }

  /** Uniform in [0, 1). */
  next(): number {
    this.state = (this.state + 0x6d2b79f5) >>> 0;
    let t = this.state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }

  /** A 31-bit integer, e.g. a seed for tf.dropout. */
  nextInt(): number {
    return Math.floor(this.next() * 0x7fffffff);
  }

  /** Uniform values in [-limit, limit). */
  uniform(count: number, limit: number): Float32Array {
    const values = new Float32Array(count);
    for (let i = 0; i < count; i++) values[i] = (this.next() * 2 - 1) * limit;
    return values;
  }

  /** 0..count-1 in a Fisher–Yates shuffled order. */
  permutation(count: number): Int32Array {
    const order = new Int32Array(count);
    for (let i = 0; i < count; i++) order[i] = i;
    for (let i = count - 1; i > 0; i--) {
      const j = Math.floor(this.next() * (i + 1));
      const swap = order[i]!;
      order[i] = order[j]!;
      order[j] = swap;
    }
    return order;
  }
}
