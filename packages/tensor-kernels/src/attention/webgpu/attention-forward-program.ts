import { GRID_LAYOUT, type WebGPUProgramLike } from '../../webgpu/webgpu-program.js';
import { each4, each4x4, rowReader, vectorizable } from '../../webgpu/wgsl-snippets.js';
import { dotBlock, SLOT_WEIGHT, stageRows, storeSlotRange } from './attention-snippets.js';
import type { AttentionSizes } from '../validate-attention.js';
import { paddedWidths, type AttentionTiles } from './attention-tiles.js';

/** Sizes one forward dispatch covers. */
export interface AttentionForwardSizes extends AttentionSizes {
  /** Workgroups along the slots; each reads `slotsPerSplit` slots (a multiple of the slot tile). */
  splits: number;
  slotsPerSplit: number;
}

/** Workgroup memory the forward kernel declares, in bytes. */
export function forwardSharedBytes(tiles: AttentionTiles, keyDim: number, valueDim: number): number {
  const { keyWidth, valueWidth } = paddedWidths(keyDim, valueDim);
  const { queries: tq, slots: tm } = tiles;
  const vec4s = tq * (keyWidth / 4) + tm * (keyWidth / 4) + tm * (valueWidth / 4);
  const floats = tq * tm + tm + 2 * tq * (tm / 4) + 3 * tq;
  return 16 * vec4s + 4 * floats + 8;
}

/** Invocations per workgroup of the forward kernel: enough for its largest phase. */
export function forwardInvocations(tiles: AttentionTiles, keyDim: number, valueDim: number): number {
  const { valueWidth } = paddedWidths(keyDim, valueDim);
  const scoreBlocks = (tiles.queries / 4) * (tiles.slots / 4);
  const outputBlocks = (tiles.queries / 4) * (valueWidth / 16);
  return Math.max(scoreBlocks, outputBlocks, tiles.queries);
}

/**
 * Fused attention forward, one pass over the slots of one split (FlashAttention-2 style, with the
 * slots split across workgroups and merged by {@link AttentionCombineProgram}).
 *
 * Bindings: result [splits, B, H, dv + 2] (unnormalised output, then running max and running sum
 * per query); Q [B, H, d]; K [M, H, d]; V [M, H, dv]; slotMask [M] (> 0 means filled). Q, K, V
 * are bound as vec4 arrays when d and dv are multiples of 4.
 * Grid: x = query tiles of `tiles.queries`, y = heads, z = splits. Each workgroup keeps its query
 * tile (pre-scaled) in workgroup memory and streams its split's K/V tiles through workgroup memory
 * once, so K and V are read once per (head, query tile), never once per query.
 * Per slot tile, phases separated by barriers:
 *   A1: each lane scores a 4 x 4 block (queries x slots), keeps it in registers, and publishes the
 *       block's row maxima;
 *   B:  one lane per query folds those maxima into the running max, rescales the running sum;
 *   A2: block lanes turn their scores into p = exp(s - max) and publish p and the block row sums;
 *   C:  each lane owns 4 queries x 16 value columns of the output in registers for the whole
 *       split, rescales them and adds P V.
 * Numerics: float32 throughout; an empty slot scores NEG = -3e38 and gets p = 0 exactly (never
 * exp(NEG - NEG) = 1); a split with no filled slot reports max NEG and sum 0, which the combine
 * pass weights by 0 (or reads as zeros when every split is empty).
 */
export class AttentionForwardProgram implements WebGPUProgramLike {
  readonly variableNames = ['Q', 'K', 'V', 'slotMask'];
  readonly outputShape: number[];
  readonly shaderKey: string;
  readonly workgroupSize: [number, number, number];
  readonly dispatchLayout = GRID_LAYOUT;
  readonly dispatch: [number, number, number];
  readonly uniforms = 'batch : i32, heads : i32, slots : i32, slotsPerSplit : i32, scale : f32, keyDim : i32, valueDim : i32,';
  readonly variableComponents: number[];
  private readonly vectorized: boolean;

  constructor(
    private readonly sizes: AttentionForwardSizes,
    private readonly tiles: AttentionTiles,
  ) {
    const { batch, heads, keyDim, valueDim, splits } = sizes;
    this.vectorized = vectorizable(keyDim, valueDim);
    this.variableComponents = this.vectorized ? [4, 4, 4, 1] : [1, 1, 1, 1];
    this.outputShape = [splits, batch, heads, valueDim + 2];
    const invocations = forwardInvocations(tiles, keyDim, valueDim);
    this.workgroupSize = [invocations, 1, 1];
    this.dispatch = [Math.ceil(batch / tiles.queries), heads, splits];
    const { keyWidth, valueWidth } = paddedWidths(keyDim, valueDim);
    this.shaderKey = `holomindAttentionForward_${tiles.queries}_${tiles.slots}_${keyWidth}_${valueWidth}_${this.vectorized}`;
  }

  getUserCode(): string {
    const { keyDim, valueDim } = this.sizes;
    const { keyWidth, valueWidth } = paddedWidths(keyDim, valueDim);
    return `
  const TQ : i32 = ${this.tiles.queries};
  const TM : i32 = ${this.tiles.slots};
  const D4 : i32 = ${keyWidth / 4};
  const DV4 : i32 = ${valueWidth / 4};
  const WG : i32 = ${this.workgroupSize[0]};
  const SLOT_BLOCKS : i32 = TM / 4;
  const COLUMN_BLOCKS : i32 = DV4 / 4;
  const SCORE_BLOCKS : i32 = (TQ / 4) * SLOT_BLOCKS;
  const OUTPUT_BLOCKS : i32 = (TQ / 4) * COLUMN_BLOCKS;
  const NEG : f32 = -3.0e38;
  const HALF_NEG : f32 = -1.0e38;

  var<workgroup> Qsh : array<vec4<f32>, ${this.tiles.queries * (keyWidth / 4)}>;
  var<workgroup> Ksh : array<vec4<f32>, ${this.tiles.slots * (keyWidth / 4)}>;
  var<workgroup> Vsh : array<vec4<f32>, ${this.tiles.slots * (valueWidth / 4)}>;
  var<workgroup> Psh : array<f32, ${this.tiles.queries * this.tiles.slots}>;
  var<workgroup> filledSh : array<f32, ${this.tiles.slots}>;
  var<workgroup> blockMax : array<f32, ${this.tiles.queries * (this.tiles.slots / 4)}>;
  var<workgroup> blockSum : array<f32, ${this.tiles.queries * (this.tiles.slots / 4)}>;
  var<workgroup> rowMax : array<f32, ${this.tiles.queries}>;
  var<workgroup> rowSum : array<f32, ${this.tiles.queries}>;
  var<workgroup> rowScale : array<f32, ${this.tiles.queries}>;
  var<workgroup> slotRange : vec2<i32>;
  ${rowReader('readQ', 'Q', 'uniforms.keyDim', this.vectorized)}
  ${rowReader('readK', 'K', 'uniforms.keyDim', this.vectorized)}
  ${rowReader('readV', 'V', 'uniforms.valueDim', this.vectorized)}
  ${SLOT_WEIGHT}

  fn pendingSum(row : i32) -> f32 {
    var total = 0.0;
    for (var j = 0; j < SLOT_BLOCKS; j++) { total += blockSum[row * SLOT_BLOCKS + j]; }
    return total;
  }

  fn main() {
    let lane = i32(localIndex);
    let q0 = i32(workgroupId.x) * TQ;
    let h = i32(workgroupId.y);
    let split = i32(workgroupId.z);
    ${storeSlotRange('slotRange', 'split', 'uniforms.slotsPerSplit')}
    ${stageRows({ target: 'Qsh', read: 'readQ', rows: 'TQ', width4: 'D4', firstRow: 'q0', rowLimit: 'uniforms.batch', scale: 'uniforms.scale' })}
    for (var e = lane; e < TQ; e += WG) { rowMax[e] = NEG; rowSum[e] = 0.0; }
    for (var e = lane; e < TQ * SLOT_BLOCKS; e += WG) { blockSum[e] = 0.0; }
    let range = workgroupUniformLoad(&slotRange);

    // This lane's score block (phases A1, A2) and output block (phase C).
    let sq = (lane / SLOT_BLOCKS) * 4;
    let sm = (lane % SLOT_BLOCKS) * 4;
    let oq = (lane / COLUMN_BLOCKS) * 4;
    let oc = (lane % COLUMN_BLOCKS) * 4;
    ${each4x4((i, j) => `var o${i}${j} = vec4<f32>(0.0);`, ' ')}

    for (var tile = range.x; tile < range.y; tile += TM) {
      ${stageRows({ target: 'Ksh', read: 'readK', rows: 'TM', width4: 'D4', firstRow: 'tile', rowLimit: 'range.y' })}
      ${stageRows({ target: 'Vsh', read: 'readV', rows: 'TM', width4: 'DV4', firstRow: 'tile', rowLimit: 'range.y' })}
      for (var e = lane; e < TM; e += WG) { filledSh[e] = slotWeight(tile + e, range.y); }
      workgroupBarrier();

      // A1: scores of a 4 x 4 block, kept in registers.
      ${each4x4((i, j) => `var s${i}${j} = NEG;`, ' ')}
      if (lane < SCORE_BLOCKS) {
        ${each4x4((i, j) => `var a${i}${j} = 0.0;`, ' ')}
        ${dotBlock('a', 'Qsh', 'sq', 'Ksh', 'sm', 'D4')}
        ${each4((j) => `let filled${j} = filledSh[sm + ${j}] > 0.0;`, ' ')}
        ${each4x4((i, j) => `s${i}${j} = select(NEG, a${i}${j}, filled${j});`, ' ')}
        ${each4((i) => `blockMax[(sq + ${i}) * SLOT_BLOCKS + sm / 4] = max(max(s${i}0, s${i}1), max(s${i}2, s${i}3));`)}
      }
      workgroupBarrier();

      // B: running max and sum per query.
      if (lane < TQ) {
        var newMax = rowMax[lane];
        for (var j = 0; j < SLOT_BLOCKS; j++) { newMax = max(newMax, blockMax[lane * SLOT_BLOCKS + j]); }
        let rescale = exp(rowMax[lane] - newMax);
        rowSum[lane] = (rowSum[lane] + pendingSum(lane)) * rescale;
        rowScale[lane] = rescale;
        rowMax[lane] = newMax;
      }
      workgroupBarrier();

      // A2: probabilities relative to the new running max.
      if (lane < SCORE_BLOCKS) {
        ${each4((i) => `let max${i} = rowMax[sq + ${i}];`, ' ')}
        ${each4x4((i, j) => `let p${i}${j} = select(0.0, exp(s${i}${j} - max${i}), s${i}${j} > HALF_NEG);`, ' ')}
        ${each4x4((i, j) => `Psh[(sq + ${i}) * TM + sm + ${j}] = p${i}${j};`, ' ')}
        ${each4((i) => `blockSum[(sq + ${i}) * SLOT_BLOCKS + sm / 4] = p${i}0 + p${i}1 + p${i}2 + p${i}3;`)}
      }
      workgroupBarrier();

      // C: output block += P V.
      if (lane < OUTPUT_BLOCKS) {
        ${each4((i) => `let rescale${i} = rowScale[oq + ${i}];`, ' ')}
        ${each4x4((i, j) => `o${i}${j} *= rescale${i};`, ' ')}
        for (var m = 0; m < TM; m++) {
          ${each4((i) => `let p${i} = Psh[(oq + ${i}) * TM + m];`, ' ')}
          ${each4((j) => `let v${j} = Vsh[m * DV4 + oc + ${j}];`, ' ')}
          ${each4x4((i, j) => `o${i}${j} += p${i} * v${j};`, ' ')}
        }
      }
      workgroupBarrier();
    }

    if (lane < TQ) { rowSum[lane] += pendingSum(lane); }
    if (lane < OUTPUT_BLOCKS) {
      ${each4(
        (i) => `if (q0 + oq + ${i} < uniforms.batch) {
        let base = ((split * uniforms.batch + q0 + oq + ${i}) * uniforms.heads + h) * (uniforms.valueDim + 2);
        ${each4((j) => `writeColumns(base, oc + ${j}, o${i}${j});`, ' ')}
      }`,
      )}
    }
    if (lane < TQ && q0 + lane < uniforms.batch) {
      let base = ((split * uniforms.batch + q0 + lane) * uniforms.heads + h) * (uniforms.valueDim + 2);
      result[base + uniforms.valueDim] = rowMax[lane];
      result[base + uniforms.valueDim + 1] = rowSum[lane];
    }
  }

  fn writeColumns(base : i32, c4 : i32, x : vec4<f32>) {
    for (var i = 0; i < 4; i++) {
      if (c4 * 4 + i < uniforms.valueDim) { result[base + c4 * 4 + i] = x[i]; }
    }
  }`;
  }
}
