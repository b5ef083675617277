import { GRID_LAYOUT, type WebGPUProgramLike } from '../../webgpu/webgpu-program.js';
import { each4, each4x4, rowReader, rowWriter, vectorizable } from '../../webgpu/wgsl-snippets.js';
import { dotBlock, SLOT_WEIGHT, stageRows, storeSlotRange } from './attention-snippets.js';
import type { AttentionSizes } from '../validate-attention.js';
import { paddedWidths, type AttentionTiles } from './attention-tiles.js';

/** Sizes one backward dispatch covers. */
export interface AttentionBackwardSizes extends AttentionSizes {
  /** Workgroups along the slots per head; each owns `slotsPerChunk` slots (a multiple of the slot tile). */
  chunks: number;
  slotsPerChunk: number;
}

/** Workgroup memory the backward kernel declares, in bytes. */
export function backwardSharedBytes(tiles: AttentionTiles, keyDim: number, valueDim: number): number {
  const { keyWidth, valueWidth } = paddedWidths(keyDim, valueDim);
  const { queries: tq, slots: tm } = tiles;
  const vec4s = (tq + tm) * (keyWidth / 4) + (tq + tm) * (valueWidth / 4);
  const floats = 2 * tq * tm + tm + 2 * tq;
  return 16 * vec4s + 4 * floats + 8;
}

/** Invocations per workgroup: one per dK or dV register block, at least one per score block. */
export function backwardInvocations(tiles: AttentionTiles, keyDim: number, valueDim: number): number {
  const { keyWidth, valueWidth } = paddedWidths(keyDim, valueDim);
  const gradientBlocks = (tiles.slots / 4) * (keyWidth / 16 + valueWidth / 16);
  return Math.max(gradientBlocks, (tiles.queries / 4) * (tiles.slots / 4));
}

/** Where each gradient starts in the flat output of {@link AttentionBackwardProgram}. */
export function backwardLayout(sizes: AttentionBackwardSizes): { keys: number; values: number; query: number; total: number } {
  const { batch, heads, keyDim, valueDim, slots, chunks } = sizes;
  const values = slots * heads * keyDim;
  const query = values + slots * heads * valueDim;
  return { keys: 0, values, query, total: query + chunks * batch * heads * keyDim };
}

/**
 * Fused attention backward (FlashAttention-2 order: slots outer, queries inner), recomputing the
 * probabilities tile by tile from the saved log-sum-exp instead of storing [B, H, M] weights.
 *
 * Bindings: result, flat: dK [M, H, d] | dV [M, H, dv] | dQ partial sums [chunks, B, H, d];
 * Q [B, H, d]; K [M, H, d]; V [M, H, dv]; slotMask [M]; dO [B, H, dv]; logSumExp [B, H];
 * delta [B, H] = rowsum(dO * O). Result, Q, K, V and dO are bound as vec4 arrays when d and dv
 * are multiples of 4.
 * Grid: x = chunks of `slotsPerChunk` slots, y = heads. Per slot tile the workgroup keeps K and V
 * in workgroup memory and loops over every query tile:
 *   A:  each score lane computes a 4 x 4 block of S = scale q.k and dP = dO.v, then
 *       P = exp(S - lse) (0 for empty slots and padding rows) and dS = P (dP - delta);
 *   C1: dV lanes add P^T dO to 4 slots x 16 columns held in registers across all query tiles;
 *   C2: dK lanes add dS^T (scale q) likewise;
 *   C3: dQ lanes compute scale dS K for 4 queries x 16 columns and add it to this chunk's own
 *       partial sum in the output (WGSL has no float atomics, so chunks never share an address;
 *       the caller sums the chunks).
 * Numerics: float32; P is recomputed with the forward's scaling, so it matches the forward's
 * weights to rounding.
 */
export class AttentionBackwardProgram implements WebGPUProgramLike {
  readonly variableNames = ['Q', 'K', 'V', 'slotMask', 'dO', 'logSumExp', 'delta'];
  readonly outputShape: number[];
  readonly shaderKey: string;
  readonly workgroupSize: [number, number, number];
  readonly dispatchLayout = GRID_LAYOUT;
  readonly dispatch: [number, number, number];
  readonly uniforms = 'batch : i32, heads : i32, slots : i32, slotsPerChunk : i32, scale : f32, keyDim : i32, valueDim : i32,';
  readonly outputComponent: number;
  readonly variableComponents: number[];
  private readonly vectorized: boolean;

  constructor(
    private readonly sizes: AttentionBackwardSizes,
    private readonly tiles: AttentionTiles,
  ) {
    this.vectorized = vectorizable(sizes.keyDim, sizes.valueDim);
    this.outputComponent = this.vectorized ? 4 : 1;
    this.variableComponents = this.vectorized ? [4, 4, 4, 1, 4, 1, 1] : [1, 1, 1, 1, 1, 1, 1];
    this.outputShape = [backwardLayout(sizes).total];
    this.workgroupSize = [backwardInvocations(tiles, sizes.keyDim, sizes.valueDim), 1, 1];
    this.dispatch = [sizes.chunks, sizes.heads, 1];
    const { keyWidth, valueWidth } = paddedWidths(sizes.keyDim, sizes.valueDim);
    this.shaderKey = `holomindAttentionBackward_${tiles.queries}_${tiles.slots}_${keyWidth}_${valueWidth}_${this.vectorized}`;
  }

  getUserCode(): string {
    const { keyDim, valueDim } = this.sizes;
    const { keyWidth, valueWidth } = paddedWidths(keyDim, valueDim);
    const { queries: tq, slots: tm } = this.tiles;
    return `
  const TQ : i32 = ${tq};
  const TM : i32 = ${tm};
  const D4 : i32 = ${keyWidth / 4};
  const DV4 : i32 = ${valueWidth / 4};
  const WG : i32 = ${this.workgroupSize[0]};
  const SLOT_BLOCKS : i32 = TM / 4;
  const KEY_COLUMN_BLOCKS : i32 = D4 / 4;
  const VALUE_COLUMN_BLOCKS : i32 = DV4 / 4;
  const SCORE_BLOCKS : i32 = (TQ / 4) * SLOT_BLOCKS;
  const DV_BLOCKS : i32 = SLOT_BLOCKS * VALUE_COLUMN_BLOCKS;
  const DK_BLOCKS : i32 = SLOT_BLOCKS * KEY_COLUMN_BLOCKS;
  const DQ_BLOCKS : i32 = (TQ / 4) * KEY_COLUMN_BLOCKS;

  var<workgroup> Qsh : array<vec4<f32>, ${tq * (keyWidth / 4)}>;
  var<workgroup> dOsh : array<vec4<f32>, ${tq * (valueWidth / 4)}>;
  var<workgroup> Ksh : array<vec4<f32>, ${tm * (keyWidth / 4)}>;
  var<workgroup> Vsh : array<vec4<f32>, ${tm * (valueWidth / 4)}>;
  var<workgroup> Psh : array<f32, ${tq * tm}>;
  var<workgroup> dSsh : array<f32, ${tq * tm}>;
  var<workgroup> filledSh : array<f32, ${tm}>;
  var<workgroup> lseSh : array<f32, ${tq}>;
  var<workgroup> deltaSh : array<f32, ${tq}>;
  var<workgroup> chunkRange : vec2<i32>;
  ${rowReader('readQ', 'Q', 'uniforms.keyDim', this.vectorized)}
  ${rowReader('readK', 'K', 'uniforms.keyDim', this.vectorized)}
  ${rowReader('readV', 'V', 'uniforms.valueDim', this.vectorized)}
  ${rowReader('readDO', 'dO', 'uniforms.valueDim', this.vectorized)}
  ${rowWriter('writeKeyColumns', 'uniforms.keyDim', this.vectorized)}
  ${rowWriter('writeValueColumns', 'uniforms.valueDim', this.vectorized)}
  ${rowWriter('addKeyColumns', 'uniforms.keyDim', this.vectorized, true)}
  ${SLOT_WEIGHT}

  fn main() {
    let lane = i32(localIndex);
    let chunk = i32(workgroupId.x);
    let h = i32(workgroupId.y);
    ${storeSlotRange('chunkRange', 'chunk', 'uniforms.slotsPerChunk')}
    let range = workgroupUniformLoad(&chunkRange);
    let valuesOffset = uniforms.slots * uniforms.heads * uniforms.keyDim;
    let queryOffset = valuesOffset + uniforms.slots * uniforms.heads * uniforms.valueDim;

    // Score block (phase A).
    let sq = (lane / SLOT_BLOCKS) * 4;
    let sm = (lane % SLOT_BLOCKS) * 4;
    // Gradient block (C1 or C2): 4 slots x 4 vec4 columns of dV (first lanes) or dK.
    let valueLane = lane < DV_BLOCKS;
    let keyLane = !valueLane && lane < DV_BLOCKS + DK_BLOCKS;
    let gm = select((lane - DV_BLOCKS) / KEY_COLUMN_BLOCKS, lane / VALUE_COLUMN_BLOCKS, valueLane) * 4;
    let gc = select((lane - DV_BLOCKS) % KEY_COLUMN_BLOCKS, lane % VALUE_COLUMN_BLOCKS, valueLane) * 4;

    for (var tile = range.x; tile < range.y; tile += TM) {
      ${stageRows({ target: 'Ksh', read: 'readK', rows: 'TM', width4: 'D4', firstRow: 'tile', rowLimit: 'range.y' })}
      ${stageRows({ target: 'Vsh', read: 'readV', rows: 'TM', width4: 'DV4', firstRow: 'tile', rowLimit: 'range.y' })}
      for (var e = lane; e < TM; e += WG) { filledSh[e] = slotWeight(tile + e, range.y); }
      ${each4x4((i, j) => `var g${i}${j} = vec4<f32>(0.0);`, ' ')}

      for (var q0 = 0; q0 < uniforms.batch; q0 += TQ) {
        ${stageRows({ target: 'Qsh', read: 'readQ', rows: 'TQ', width4: 'D4', firstRow: 'q0', rowLimit: 'uniforms.batch', scale: 'uniforms.scale' })}
        ${stageRows({ target: 'dOsh', read: 'readDO', rows: 'TQ', width4: 'DV4', firstRow: 'q0', rowLimit: 'uniforms.batch' })}
        for (var e = lane; e < TQ; e += WG) {
          let row = min(q0 + e, uniforms.batch - 1) * uniforms.heads + h;
          lseSh[e] = f32(logSumExp[row]);
          deltaSh[e] = f32(delta[row]);
        }
        workgroupBarrier();

        // A: P and dS for a 4 x 4 block.
        if (lane < SCORE_BLOCKS) {
          ${each4x4((i, j) => `var a${i}${j} = 0.0; var b${i}${j} = 0.0;`, ' ')}
          ${dotBlock('a', 'Qsh', 'sq', 'Ksh', 'sm', 'D4')}
          ${dotBlock('b', 'dOsh', 'sq', 'Vsh', 'sm', 'DV4')}
          ${each4((j) => `let filled${j} = filledSh[sm + ${j}] > 0.0;`, ' ')}
          ${each4((i) => `let lse${i} = lseSh[sq + ${i}]; let delta${i} = deltaSh[sq + ${i}]; let row${i} = q0 + sq + ${i} < uniforms.batch;`, ' ')}
          ${each4x4(
            (i, j) => `{
            let p = select(0.0, exp(a${i}${j} - lse${i}), filled${j} && row${i});
            Psh[(sq + ${i}) * TM + sm + ${j}] = p;
            dSsh[(sq + ${i}) * TM + sm + ${j}] = p * (b${i}${j} - delta${i});
          }`,
            ' ',
          )}
        }
        workgroupBarrier();

        // C1 / C2: dV += P^T dO, dK += dS^T (scale q), in registers across query tiles.
        if (valueLane) {
          for (var q = 0; q < TQ; q++) {
            ${each4((j) => `let w${j} = Psh[q * TM + gm + ${j}];`, ' ')}
            ${each4((k) => `let x${k} = dOsh[q * DV4 + gc + ${k}];`, ' ')}
            ${each4x4((j, k) => `g${j}${k} += w${j} * x${k};`, ' ')}
          }
        } else if (keyLane) {
          for (var q = 0; q < TQ; q++) {
            ${each4((j) => `let w${j} = dSsh[q * TM + gm + ${j}];`, ' ')}
            ${each4((k) => `let x${k} = Qsh[q * D4 + gc + ${k}];`, ' ')}
            ${each4x4((j, k) => `g${j}${k} += w${j} * x${k};`, ' ')}
          }
        }

        // C3: this chunk's partial dQ += scale dS K.
        for (var item = WG - 1 - lane; item < DQ_BLOCKS; item += WG) {
          let dq = (item / KEY_COLUMN_BLOCKS) * 4;
          let dc = (item % KEY_COLUMN_BLOCKS) * 4;
          ${each4x4((i, k) => `var r${i}${k} = vec4<f32>(0.0);`, ' ')}
          for (var m = 0; m < TM; m++) {
            ${each4((i) => `let w${i} = dSsh[(dq + ${i}) * TM + m];`, ' ')}
            ${each4((k) => `let y${k} = Ksh[m * D4 + dc + ${k}];`, ' ')}
            ${each4x4((i, k) => `r${i}${k} += w${i} * y${k};`, ' ')}
          }
          ${each4(
            (i) => `if (q0 + dq + ${i} < uniforms.batch) {
            let base = queryOffset + ((chunk * uniforms.batch + q0 + dq + ${i}) * uniforms.heads + h) * uniforms.keyDim;
            ${each4((k) => `addKeyColumns(base, dc + ${k}, r${i}${k} * uniforms.scale, tile != range.x, 1.0);`, ' ')}
          }`,
          )}
        }
        workgroupBarrier();
      }

      ${each4(
        (j) => `if (tile + gm + ${j} < range.y) {
        if (valueLane) {
          let base = valuesOffset + ((tile + gm + ${j}) * uniforms.heads + h) * uniforms.valueDim;
          ${each4((k) => `writeValueColumns(base, gc + ${k}, g${j}${k});`, ' ')}
        } else if (keyLane) {
          let base = ((tile + gm + ${j}) * uniforms.heads + h) * uniforms.keyDim;
          ${each4((k) => `writeKeyColumns(base, gc + ${k}, g${j}${k});`, ' ')}
        }
      }`,
      )}
    }
  }`;
  }
}
