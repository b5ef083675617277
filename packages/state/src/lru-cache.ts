/**
 * A least-recently-used cache bounded by bytes rather than entries. An entry larger than the
 * whole budget is not cached. Map iteration order is insertion order, so re-inserting on access
 * keeps the least recently used entry first.
 */
export class ByteLruCache<Value> {
  private readonly entries = new Map<string, { value: Value; bytes: number }>();
  private usedBytes = 0;

  constructor(readonly capacityBytes: number) {
    if (!Number.isFinite(capacityBytes) || capacityBytes < 0)
      throw new RangeError(`capacityBytes must be a finite number >= 0, got ${capacityBytes}`);
  }

  /** Bytes held now; never more than `capacityBytes`. */
  get size(): number {
    return this.usedBytes;
  }

  /** Number of entries held now. */
  get count(): number {
    return this.entries.size;
  }

  get(key: string): Value | undefined {
    const entry = this.entries.get(key);
    if (!entry) return undefined;
    this.entries.delete(key);
    this.entries.set(key, entry);
    return entry.value;
  }

  has(key: string): boolean {
    return this.entries.has(key);
  }

  /** Inserts or replaces `key`, evicting least recently used entries until it fits. Returns false if it cannot fit at all. */
  set(key: string, value: Value, bytes: number): boolean {
    this.delete(key);
    if (bytes > this.capacityBytes) return false;
    while (this.usedBytes + bytes > this.capacityBytes) {
      const oldest = this.entries.keys().next().value as string;
      this.delete(oldest);
    }
    this.entries.set(key, { value, bytes });
    this.usedBytes += bytes;
    return true;
  }

  delete(key: string): void {
    const entry = this.entries.get(key);
    if (!entry) return;
    this.entries.delete(key);
    this.usedBytes -= entry.bytes;
  }

  clear(): void {
    this.entries.clear();
    this.usedBytes = 0;
  }
}
