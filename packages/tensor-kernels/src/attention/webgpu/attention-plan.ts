import { workgroupStorageLimit, type WebGPUBackendLike } from '../../webgpu/webgpu-program.js';
import { forwardInvocations, forwardSharedBytes } from './attention-forward-program.js';
import { backwardInvocations, backwardSharedBytes } from './attention-backward-program.js';
import { chooseTiles, type AttentionTiles } from './attention-tiles.js';
import { weightsSharedBytes } from './attention-weights-program.js';

/** Enough workgroups to fill a GPU's cores; lavapipe needs only one per CPU thread. */
const TARGET_WORKGROUPS = 256;

/** How one fused attention call is cut into workgroups. */
export interface AttentionPlan {
  forwardTiles: AttentionTiles;
  backwardTiles: AttentionTiles;
  /** Square tile of the weights read-out (queries = slots). */
  weightsTile: number;
  /** Forward: workgroups along the slots per (query tile, head), each with `slotsPerSplit` slots. */
  splits: number;
  slotsPerSplit: number;
  /** Backward: workgroups along the slots per head, each with `slotsPerChunk` slots. */
  chunks: number;
  slotsPerChunk: number;
}

function spread(slots: number, tile: number, parts: number): { count: number; perPart: number } {
  const tiles = Math.ceil(slots / tile);
  const perPart = Math.ceil(tiles / Math.max(1, Math.min(parts, tiles))) * tile;
  return { count: Math.ceil(slots / perPart), perPart };
}

/**
 * Tiles that fit this device's workgroup memory and a split of the slots that gives about
 * {@link TARGET_WORKGROUPS} workgroups; undefined when the key or value width is too large for any
 * tiling (the caller then uses the composite path or reports why it cannot fuse).
 */
export function planAttention(
  backend: WebGPUBackendLike,
  sizes: { batch: number; heads: number; keyDim: number; valueDim: number; slots: number },
): AttentionPlan | undefined {
  const { batch, heads, keyDim, valueDim, slots } = sizes;
  const limit = workgroupStorageLimit(backend);
  const maxInvocations = backend.device.limits.maxComputeInvocationsPerWorkgroup;
  const forwardTiles = chooseTiles(
    (tiles) => forwardSharedBytes(tiles, keyDim, valueDim),
    (tiles) => forwardInvocations(tiles, keyDim, valueDim),
    limit,
    maxInvocations,
  );
  const backwardTiles = chooseTiles(
    (tiles) => backwardSharedBytes(tiles, keyDim, valueDim),
    (tiles) => backwardInvocations(tiles, keyDim, valueDim),
    limit,
    maxInvocations,
  );
  const weightsTile = [32, 16, 8].find((tile) => weightsSharedBytes(tile, keyDim) <= limit);
  if (!forwardTiles || !backwardTiles || weightsTile === undefined) return undefined;
  const queryTiles = Math.ceil(batch / forwardTiles.queries);
  const forward = spread(slots, forwardTiles.slots, Math.ceil(TARGET_WORKGROUPS / (queryTiles * heads)));
  // Each chunk keeps its own partial dQ [B, H, d]; capping chunks at M / (2 d) keeps those partial
  // sums below half the size of the [B, H, M] scores the fused path exists to avoid.
  const maxChunks = Math.max(1, Math.floor(slots / (2 * keyDim)));
  const backward = spread(slots, backwardTiles.slots, Math.min(maxChunks, Math.ceil(TARGET_WORKGROUPS / heads)));
  return {
    forwardTiles,
    backwardTiles,
    weightsTile,
    splits: forward.count,
    slotsPerSplit: forward.perPart,
    chunks: backward.count,
    slotsPerChunk: backward.perPart,
  };
}

/** Why {@link planAttention} found no tiling, for the error of `implementation: 'fused'`. */
export function unplannableReason(backend: WebGPUBackendLike, keyDim: number, valueDim: number): string {
  return (
    `keys of width ${keyDim} and values of width ${valueDim} do not fit the device's ` +
    `${workgroupStorageLimit(backend)} bytes of workgroup memory in any tiling`
  );
}
