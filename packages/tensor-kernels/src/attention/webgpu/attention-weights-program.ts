import { GRID_LAYOUT, roundUp, type WebGPUProgramLike } from '../../webgpu/webgpu-program.js';
import { each4x4, rowReader, vectorizable } from '../../webgpu/wgsl-snippets.js';
import { dotBlock, SLOT_WEIGHT, stageRows } from './attention-snippets.js';

/** Workgroup memory the weights kernel declares for square tiles of `tile` and keys of width `keyDim`, in bytes. */
export function weightsSharedBytes(tile: number, keyDim: number): number {
  return 16 * 2 * tile * (roundUp(keyDim, 16) / 4) + 4 * 2 * tile;
}

/**
 * The attention weights P = exp(scale q.k - lse) [B, H, M], only when the caller asks for them.
 *
 * Bindings: result [B, H, M]; Q [B, H, d]; K [M, H, d]; slotMask [M]; logSumExp [B, H] from the
 * forward pass.
 * Grid: x = slot tiles, y = heads, z = query tiles (square tiles of `tile`, a multiple of 4); one
 * lane per 4 x 4 block (queries x slots), reading the query and key tiles from workgroup memory.
 * Numerics: the same float32 scores as the forward pass, so each row sums to 1 within rounding;
 * empty slots and queries without any filled slot get exactly 0.
 */
export class AttentionWeightsProgram implements WebGPUProgramLike {
  readonly variableNames = ['Q', 'K', 'slotMask', 'logSumExp'];
  readonly outputShape: number[];
  readonly shaderKey: string;
  readonly workgroupSize: [number, number, number];
  readonly dispatchLayout = GRID_LAYOUT;
  readonly dispatch: [number, number, number];
  readonly uniforms = 'batch : i32, heads : i32, slots : i32, scale : f32, keyDim : i32,';
  readonly variableComponents: number[];
  private readonly vectorized: boolean;

  constructor(
    batch: number,
    heads: number,
    private readonly keyDim: number,
    slots: number,
    private readonly tile: number,
  ) {
    this.outputShape = [batch, heads, slots];
    this.vectorized = vectorizable(keyDim, keyDim);
    this.variableComponents = this.vectorized ? [4, 4, 1, 1] : [1, 1, 1, 1];
    this.workgroupSize = [(tile / 4) * (tile / 4), 1, 1];
    this.dispatch = [Math.ceil(slots / tile), heads, Math.ceil(batch / tile)];
    this.shaderKey = `holomindAttentionWeights_${tile}_${roundUp(keyDim, 16)}_${this.vectorized}`;
  }

  getUserCode(): string {
    const keyWidth = roundUp(this.keyDim, 16);
    return `
  const T : i32 = ${this.tile};
  const D4 : i32 = ${keyWidth / 4};
  const WG : i32 = ${this.workgroupSize[0]};
  var<workgroup> Qsh : array<vec4<f32>, ${this.tile * (keyWidth / 4)}>;
  var<workgroup> Ksh : array<vec4<f32>, ${this.tile * (keyWidth / 4)}>;
  var<workgroup> filledSh : array<f32, ${this.tile}>;
  var<workgroup> lseSh : array<f32, ${this.tile}>;
  ${rowReader('readQ', 'Q', 'uniforms.keyDim', this.vectorized)}
  ${rowReader('readK', 'K', 'uniforms.keyDim', this.vectorized)}
  ${SLOT_WEIGHT}

  fn main() {
    let lane = i32(localIndex);
    let m0 = i32(workgroupId.x) * T;
    let h = i32(workgroupId.y);
    let q0 = i32(workgroupId.z) * T;
    ${stageRows({ target: 'Qsh', read: 'readQ', rows: 'T', width4: 'D4', firstRow: 'q0', rowLimit: 'uniforms.batch', scale: 'uniforms.scale' })}
    ${stageRows({ target: 'Ksh', read: 'readK', rows: 'T', width4: 'D4', firstRow: 'm0', rowLimit: 'uniforms.slots' })}
    for (var e = lane; e < T; e += WG) {
      filledSh[e] = slotWeight(m0 + e, uniforms.slots);
      lseSh[e] = f32(logSumExp[min(q0 + e, uniforms.batch - 1) * uniforms.heads + h]);
    }
    workgroupBarrier();
    let sq = (lane / (T / 4)) * 4;
    let sm = (lane % (T / 4)) * 4;
    ${each4x4((i, j) => `var a${i}${j} = 0.0;`, ' ')}
    ${dotBlock('a', 'Qsh', 'sq', 'Ksh', 'sm', 'D4')}
    ${each4x4(
      (i, j) => `if (q0 + sq + ${i} < uniforms.batch && m0 + sm + ${j} < uniforms.slots) {
      result[((q0 + sq + ${i}) * uniforms.heads + h) * uniforms.slots + m0 + sm + ${j}] =
        select(0.0, exp(a${i}${j} - lseSh[sq + ${i}]), filledSh[sm + ${j}] > 0.0);
    }`,
    )}
  }`;
  }
}
