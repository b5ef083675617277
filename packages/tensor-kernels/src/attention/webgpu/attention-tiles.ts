import { roundUp } from '../../webgpu/webgpu-program.js';

/** Tile sizes of the fused attention kernels; every one is a multiple of 4 (the register block). */
export interface AttentionTiles {
  /** Queries per workgroup tile. */
  queries: number;
  /** Memory slots per tile loaded into workgroup memory. */
  slots: number;
}

/** Key and value widths padded to whole 16-float column blocks (4 vec4 per lane block). */
export function paddedWidths(keyDim: number, valueDim: number): { keyWidth: number; valueWidth: number } {
  return { keyWidth: roundUp(keyDim, 16), valueWidth: roundUp(valueDim, 16) };
}

// Largest first: bigger tiles mean fewer reloads of K/V and fewer barriers.
const CANDIDATES: AttentionTiles[] = [
  { queries: 32, slots: 32 },
  { queries: 16, slots: 32 },
  { queries: 16, slots: 16 },
  { queries: 8, slots: 16 },
  { queries: 8, slots: 8 },
];

/**
 * The largest candidate tiling whose workgroup memory (`bytes(tiles)`) fits `limit` and whose
 * workgroup size (`invocations(tiles)`) fits `maxInvocations`; undefined when none does (very wide
 * keys or values), in which case the fused kernel is unavailable for those sizes.
 */
export function chooseTiles(
  bytes: (tiles: AttentionTiles) => number,
  invocations: (tiles: AttentionTiles) => number,
  limit: number,
  maxInvocations: number,
): AttentionTiles | undefined {
  return CANDIDATES.find((tiles) => bytes(tiles) <= limit && invocations(tiles) <= maxInvocations);
}
