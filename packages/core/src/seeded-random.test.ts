import { describe, expect, it } from 'vitest';
import { SeededRandom } from './seeded-random.js';

// The first draws of mulberry32 for seed 42, computed with the reference C implementation
// (Tommy Ettinger's) in float64: (uint32 output) / 2^32.
function mulberry32Reference(seed: number, count: number): number[] {
  let a = BigInt(seed >>> 0);
  const mask = 0xffffffffn;
  const out: number[] = [];
  for (let i = 0; i < count; i++) {
    a = (a + 0x6d2b79f5n) & mask;
    let t = a;
    t = ((t ^ (t >> 15n)) * (t | 1n)) & mask;
    t = (t ^ (t + (((t ^ (t >> 7n)) * (t | 61n)) & mask))) & mask;
    out.push(Number((t ^ (t >> 14n)) & mask) / 4294967296);
  }
  return out;
}

describe('SeededRandom', () => {
  it('matches an independent BigInt implementation of mulberry32', () => {
    const random = new SeededRandom(42);
    const draws = Array.from({ length: 1000 }, () => random.next());
    expect(draws).toEqual(mulberry32Reference(42, 1000));
  });

  it('continues exactly from a recorded state', () => {
    const random = new SeededRandom(7);
    random.next();
    random.next();
    const resumed = new SeededRandom(random.seed);
    expect(Array.from({ length: 5 }, () => resumed.next())).toEqual(Array.from({ length: 5 }, () => random.next()));
  });

  it('permutes, shuffles and subsets without losing or repeating indices', () => {
    const random = new SeededRandom(3);
    const permutation = Array.from(random.permutation(100)).sort((a, b) => a - b);
    expect(permutation).toEqual(Array.from({ length: 100 }, (_, i) => i));
    const subset = Array.from(random.subset(50, 10));
    expect(new Set(subset).size).toBe(10);
    expect(subset).toEqual([...subset].sort((a, b) => a - b));
    expect(subset.every((index) => index >= 0 && index < 50)).toBe(true);
  });

  it('draws normals with mean ~0 and variance ~1', () => {
    const random = new SeededRandom(11);
    const draws = Array.from({ length: 20000 }, () => random.normal());
    const mean = draws.reduce((sum, x) => sum + x, 0) / draws.length;
    const variance = draws.reduce((sum, x) => sum + (x - mean) ** 2, 0) / draws.length;
    expect(Math.abs(mean)).toBeLessThan(0.03);
    expect(Math.abs(variance - 1)).toBeLessThan(0.05);
  });
});
