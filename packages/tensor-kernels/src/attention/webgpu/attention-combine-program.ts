import { GRID_LAYOUT, type WebGPUProgramLike } from '../../webgpu/webgpu-program.js';

/** What {@link AttentionCombineProgram} writes. */
export type CombineTarget = 'output' | 'logSumExp';

const WORKGROUP = 64;

/**
 * Merges the per-split partial results of {@link AttentionForwardProgram}.
 *
 * Bindings: result = output [B, H, dv] or logSumExp [B, H]; partial [splits, B, H, dv + 2].
 * Grid: x = ceil(size / 64) workgroups of 64 lanes, one lane per output element.
 * Each lane finds the largest running max over the splits, weights each split by
 * exp(max_s - max) and divides the weighted outputs by the weighted sums. A query that saw no
 * filled slot in any split has total sum 0 and reads zeros (output) or 0 (logSumExp, unused
 * because every probability of that query is masked to 0).
 */
export class AttentionCombineProgram implements WebGPUProgramLike {
  readonly variableNames = ['partial'];
  readonly outputShape: number[];
  readonly shaderKey: string;
  readonly workgroupSize: [number, number, number] = [WORKGROUP, 1, 1];
  readonly dispatchLayout = GRID_LAYOUT;
  readonly dispatch: [number, number, number];
  readonly uniforms = 'splits : i32, rows : i32, valueDim : i32,';

  constructor(
    private readonly target: CombineTarget,
    batch: number,
    heads: number,
    valueDim: number,
  ) {
    this.outputShape = target === 'output' ? [batch, heads, valueDim] : [batch, heads];
    const size = this.outputShape.reduce((a, b) => a * b, 1);
    this.dispatch = [Math.ceil(size / WORKGROUP), 1, 1];
    this.shaderKey = `holomindAttentionCombine_${target}`;
  }

  getUserCode(): string {
    const columns = this.target === 'output' ? 'uniforms.valueDim' : '1';
    const finish =
      this.target === 'output'
        ? `
      var weighted = 0.0;
      for (var s = 0; s < uniforms.splits; s++) {
        let base = (s * uniforms.rows + row) * stride;
        weighted += partial[base + column] * exp(partial[base + uniforms.valueDim] - best);
      }
      result[index] = select(0.0, weighted / total, total > 0.0);`
        : `
      result[index] = select(0.0, best + log(total), total > 0.0);`;
    return `
  fn main() {
    let index = i32(globalId.x);
    let columns = ${columns};
    if (index >= uniforms.rows * columns) { return; }
    let row = index / columns;
    let column = index - row * columns;
    let stride = uniforms.valueDim + 2;
    var best = -3.4e38;
    for (var s = 0; s < uniforms.splits; s++) {
      best = max(best, partial[(s * uniforms.rows + row) * stride + uniforms.valueDim]);
    }
    var total = 0.0;
    for (var s = 0; s < uniforms.splits; s++) {
      let base = (s * uniforms.rows + row) * stride;
      total += partial[base + uniforms.valueDim + 1] * exp(partial[base + uniforms.valueDim] - best);
    }
    ${finish}
  }`;
  }
}
