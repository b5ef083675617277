/**
 * mulberry32: a small, fast 32-bit generator whose whole state is one number, so initialisation,
 * shuffling and sampling can be recorded in a checkpoint and continued exactly. Same draws on every
 * platform (integer arithmetic only).
 */
export class SeededRandom {
  private state: number;

  constructor(seed: number) {
    this.state = seed >>> 0;
  }

  /** The generator's state; `new SeededRandom(state)` continues the same sequence. */
  get seed(): number {
    return this.state;
  }

  /** Continues from a state that `seed` returned earlier. */
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

  /** A 31-bit integer, e.g. a seed for tf.dropout or a child generator. */
  nextInt(): number {
    return Math.floor(this.next() * 0x7fffffff);
  }

  /** An integer in [0, count). */
  below(count: number): number {
    return Math.floor(this.next() * count);
  }

  /** Uniform values in [-limit, limit). */
  uniform(count: number, limit: number): Float32Array {
    const values = new Float32Array(count);
    for (let i = 0; i < count; i++) values[i] = (this.next() * 2 - 1) * limit;
    return values;
  }

  /** One standard normal draw (Box–Muller; 1 - u keeps the logarithm finite). */
  normal(): number {
    const radius = Math.sqrt(-2 * Math.log(1 - this.next()));
    return radius * Math.cos(2 * Math.PI * this.next());
  }

  /** 0..count-1 in a Fisher–Yates shuffled order. */
  permutation(count: number): Int32Array {
    const order = new Int32Array(count);
    for (let i = 0; i < count; i++) order[i] = i;
    this.shuffle(order);
    return order;
  }

  /** Shuffles `items` in place (Fisher–Yates) and returns it. */
  shuffle<Items extends { length: number; [index: number]: unknown }>(items: Items): Items {
    for (let i = items.length - 1; i > 0; i--) {
      const j = Math.floor(this.next() * (i + 1));
      const swap = items[i];
      items[i] = items[j];
      items[j] = swap;
    }
    return items;
  }

  /** `count` distinct indices of [0, total) in increasing order, by a partial shuffle. */
  subset(total: number, count: number): Int32Array {
    const order = Int32Array.from({ length: total }, (_, i) => i);
    for (let i = 0; i < count; i++) {
      const j = i + Math.floor(this.next() * (total - i));
      const swap = order[i]!;
      order[i] = order[j]!;
      order[j] = swap;
    }
    return order.slice(0, count).sort();
  }
}
