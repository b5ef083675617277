import fc from 'fast-check';

/**
 * Cases per property: HOLOMIND_PROPERTY_RUNS, else `fallback` (1,000: the CI floor of issue #15).
 * The bench script `pnpm --filter @holomind/examples bench` runs the same properties with more.
 */
export function propertyRuns(fallback = 1000): number {
  const fromEnv = Number(process.env.HOLOMIND_PROPERTY_RUNS);
  return Number.isInteger(fromEnv) && fromEnv > 0 ? fromEnv : fallback;
}

/** fast-check parameters: {@link propertyRuns} cases, and HOLOMIND_PROPERTY_SEED to replay a failure. */
export function propertyParameters(): { numRuns: number; seed: number | undefined } {
  return { numRuns: propertyRuns(), seed: Number(process.env.HOLOMIND_PROPERTY_SEED) || undefined };
}

/** How the cases of one property ended, printed so CI logs show the counts. */
export class PropertyOutcomes {
  private readonly counts = new Map<string, number>();
  private total = 0;

  constructor(private readonly reader: string) {}

  /** Counts one case under `outcome` (`correct`, or the error code it ended in). */
  record(outcome: string): void {
    this.total++;
    this.counts.set(outcome, (this.counts.get(outcome) ?? 0) + 1);
  }

  /** Cases recorded so far. */
  get cases(): number {
    return this.total;
  }

  /** Prints `property <reader>: N cases (correct 10, IDX_TRUNCATED 500, ...)` and returns the line. */
  print(): string {
    const parts = [...this.counts].sort((a, b) => b[1] - a[1]).map(([outcome, count]) => `${outcome} ${count}`);
    const line = `property ${this.reader}: ${this.total} cases (${parts.join(', ')})`;
    console.log(line);
    return line;
  }

  /** Prints the counts and fails unless at least {@link propertyRuns} cases ran. */
  finish(): void {
    this.print();
    if (this.total < propertyRuns())
      throw new Error(`property ${this.reader}: only ${this.total} of ${propertyRuns()} cases ran`);
  }
}

/** One way to damage a file: flip bits, cut it, overwrite or insert bytes, or append garbage. */
export type ByteMutation =
  | { kind: 'flip'; positions: number[]; masks: number[] }
  | { kind: 'truncate'; at: number }
  | { kind: 'overwrite'; at: number; bytes: Uint8Array }
  | { kind: 'insert'; at: number; bytes: Uint8Array }
  | { kind: 'append'; bytes: Uint8Array };

/** Random mutations of a byte string; positions are fractions of the length so they fit any input. */
export function byteMutations(): fc.Arbitrary<ByteMutation> {
  const fraction = fc.double({ min: 0, max: 1, noNaN: true, maxExcluded: true });
  const bytes = fc.uint8Array({ minLength: 1, maxLength: 64 });
  return fc.oneof(
    fc.record({
      kind: fc.constant('flip' as const),
      positions: fc.array(fraction, { minLength: 1, maxLength: 8 }),
      masks: fc.array(fc.integer({ min: 1, max: 255 }), { minLength: 8, maxLength: 8 }),
    }),
    fc.record({ kind: fc.constant('truncate' as const), at: fraction }),
    fc.record({ kind: fc.constant('overwrite' as const), at: fraction, bytes }),
    fc.record({ kind: fc.constant('insert' as const), at: fraction, bytes }),
    fc.record({ kind: fc.constant('append' as const), bytes }),
  ) as fc.Arbitrary<ByteMutation>;
}

/** `original` with `mutation` applied (a new array). */
export function applyMutation(original: Uint8Array, mutation: ByteMutation): Uint8Array {
  // Uint8Array.from, not slice(): on a Node Buffer slice() is a view, and mutating it damaged the caller's original.
  const index = (fraction: number) => Math.floor(fraction * original.length);
  switch (mutation.kind) {
    case 'flip': {
      const copy = Uint8Array.from(original);
      mutation.positions.forEach((position, i) => {
        if (copy.length > 0) copy[index(position)]! ^= mutation.masks[i]!;
      });
      return copy;
    }
    case 'truncate':
      return original.slice(0, index(mutation.at));
    case 'overwrite': {
      const copy = Uint8Array.from(original);
      copy.set(mutation.bytes.subarray(0, Math.max(0, copy.length - index(mutation.at))), index(mutation.at));
      return copy;
    }
    case 'insert':
      return concat(original.subarray(0, index(mutation.at)), mutation.bytes, original.subarray(index(mutation.at)));
    case 'append':
      return concat(original, mutation.bytes);
  }
}

function concat(...parts: Uint8Array[]): Uint8Array {
  const joined = new Uint8Array(parts.reduce((sum, part) => sum + part.length, 0));
  let offset = 0;
  for (const part of parts) {
    joined.set(part, offset);
    offset += part.length;
  }
  return joined;
}
