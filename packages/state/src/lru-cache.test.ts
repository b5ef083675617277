import { describe, expect, it } from 'vitest';
import { ByteLruCache } from './lru-cache.js';

describe('ByteLruCache', () => {
  it('matches a reference LRU model over a seeded random workload and never exceeds its budget', () => {
    const capacity = 1000;
    const cache = new ByteLruCache<number>(capacity);
    // Reference: an array ordered from least to most recently used.
    let model: Array<{ key: string; value: number; bytes: number }> = [];
    let seed = 12345;
    const random = () => (seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) / 2 ** 32;
    for (let step = 0; step < 5000; step++) {
      const key = `k${Math.floor(random() * 40)}`;
      if (random() < 0.5) {
        const hit = model.find((entry) => entry.key === key);
        if (hit) model = [...model.filter((entry) => entry !== hit), hit];
        expect(cache.get(key)).toBe(hit?.value);
      } else {
        const bytes = Math.floor(random() * 400);
        model = model.filter((entry) => entry.key !== key);
        if (bytes <= capacity) {
          while (model.reduce((sum, entry) => sum + entry.bytes, 0) + bytes > capacity) model.shift();
          model.push({ key, value: step, bytes });
        }
        cache.set(key, step, bytes);
      }
      expect(cache.size).toBe(model.reduce((sum, entry) => sum + entry.bytes, 0));
      expect(cache.size).toBeLessThanOrEqual(capacity);
      expect(cache.count).toBe(model.length);
    }
  });

  it('refuses an entry larger than the whole budget and a zero budget caches nothing', () => {
    const cache = new ByteLruCache<string>(10);
    expect(cache.set('big', 'x', 11)).toBe(false);
    expect(cache.has('big')).toBe(false);
    const off = new ByteLruCache<string>(0);
    off.set('a', 'x', 1);
    expect(off.count).toBe(0);
    expect(() => new ByteLruCache(-1)).toThrow(RangeError);
  });
});
