import { GRID_LAYOUT, type WebGPUProgramLike } from '../../webgpu/webgpu-program.js';
import { each4, rowReader } from '../../webgpu/wgsl-snippets.js';
import { SLOT_WEIGHT } from './attention-snippets.js';

const LANES = 64;
const FOUR = [0, 1, 2, 3];
const EIGHT = [0, 1, 2, 3, 4, 5, 6, 7];

/** `max(...)` of the given WGSL expressions as a balanced tree of two-argument calls. */
function maxOf(terms: string[]): string {
  if (terms.length === 1) return terms[0]!;
  const half = terms.length >> 1;
  return `max(${maxOf(terms.slice(0, half))}, ${maxOf(terms.slice(half))})`;
}

/**
 * Forward pass 1 for one chunk of slots, without workgroup memory: the probabilities of every
 * query over the chunk, relative to the running max of all chunks so far, and the new running
 * statistics.
 *
 * Bindings: result [B, H, C + 4] (vec4-bound): per row, p = exp(s - max) for the chunk's C slots
 * (0 for empty ones), then the running max, the running sum and the factor exp(oldMax - max) that
 * rescales the output accumulated so far, then padding; Q [B, H, d]; K [M, H, d]; slotMask [M];
 * previous, the result of the previous chunk (ignored for the first).
 * Grid: x = lanes / 64, y = heads; each lane owns 4 queries. It scores the chunk 8 slots at a time
 * (4 x 8 scores in registers), keeping an online max and sum, stores the scores, then re-reads
 * its own stores to turn them into probabilities against the final max.
 * Numerics: empty slots score NEG = -3e38 and get p = 0 exactly.
 */
export class ChunkSoftmaxProgram implements WebGPUProgramLike {
  readonly variableNames = ['Q', 'K', 'slotMask', 'previous'];
  readonly outputShape: number[];
  readonly shaderKey: string;
  readonly workgroupSize: [number, number, number] = [LANES, 1, 1];
  readonly dispatchLayout = GRID_LAYOUT;
  readonly dispatch: [number, number, number];
  readonly uniforms =
    'batch : i32, heads : i32, slots : i32, chunkStart : i32, chunk : i32, scale : f32, keyDim : i32, keyVec4s : i32, first : i32,';
  readonly outputComponent = 4;
  readonly variableComponents: number[];

  constructor(
    batch: number,
    heads: number,
    private readonly chunk: number,
    private readonly vectorized: boolean,
  ) {
    this.outputShape = [batch, heads, chunk + 4];
    this.variableComponents = [vectorized ? 4 : 1, vectorized ? 4 : 1, 1, 4];
    this.dispatch = [Math.ceil(Math.ceil(batch / 4) / LANES), heads, 1];
    this.shaderKey = `holomindAttentionChunkSoftmax_${vectorized}`;
  }

  getUserCode(): string {
    const each8 = (line: (j: number) => string, separator = ' ') => EIGHT.map(line).join(separator);
    const each4x8 = (line: (i: number, j: number) => string) => FOUR.flatMap((i) => EIGHT.map((j) => line(i, j))).join(' ');
    return `
  const NEG : f32 = -3.0e38;
  const HALF_NEG : f32 = -1.0e38;
  ${rowReader('readQ', 'Q', 'uniforms.keyDim', this.vectorized)}
  ${rowReader('readK', 'K', 'uniforms.keyDim', this.vectorized)}
  ${SLOT_WEIGHT}

  fn main() {
    let b0 = i32(globalId.x) * 4;
    let h = i32(globalId.y);
    if (b0 >= uniforms.batch) { return; }
    let stride = uniforms.chunk + 4;
    ${each4((i) => `let row${i} = (min(b0 + ${i}, uniforms.batch - 1) * uniforms.heads + h) * stride;`, ' ')}
    ${each4((i) => `var max${i} = NEG; var sum${i} = 0.0;`, ' ')}
    if (uniforms.first == 0) {
      ${each4((i) => `let stats${i} = previous[(row${i} + uniforms.chunk) / 4]; max${i} = stats${i}.x; sum${i} = stats${i}.y;`, ' ')}
    }
    ${each4((i) => `let oldMax${i} = max${i};`, ' ')}
    let end = min(uniforms.chunk, uniforms.slots - uniforms.chunkStart);
    for (var j = 0; j < end; j += 8) {
      let m0 = uniforms.chunkStart + j;
      ${each4x8((i, j) => `var s${i}${j} = 0.0;`)}
      for (var c = 0; c < uniforms.keyVec4s; c++) {
        ${each4((i) => `let x${i} = readQ(b0 + ${i}, uniforms.batch, h, c);`, ' ')}
        ${each8((j) => `let y${j} = readK(m0 + ${j}, uniforms.slots, h, c);`)}
        ${each4x8((i, j) => `s${i}${j} += dot(x${i}, y${j});`)}
      }
      ${each8((j) => `let filled${j} = slotWeight(m0 + ${j}, uniforms.slots) > 0.0;`)}
      ${each4x8((i, j) => `s${i}${j} = select(NEG, s${i}${j} * uniforms.scale, filled${j});`)}
      ${each4(
        (i) => `{
        let newMax = max(max${i}, ${maxOf(EIGHT.map((j) => `s${i}${j}`))});
        sum${i} = sum${i} * exp(max${i} - newMax) + ${EIGHT.map((j) => `select(0.0, exp(s${i}${j} - newMax), filled${j})`).join(' + ')};
        max${i} = newMax;
        if (b0 + ${i} < uniforms.batch) {
          result[(row${i} + j) / 4] = vec4<f32>(s${i}0, s${i}1, s${i}2, s${i}3);
          result[(row${i} + j) / 4 + 1] = vec4<f32>(s${i}4, s${i}5, s${i}6, s${i}7);
        }
      }`,
      )}
    }
    for (var j = 0; j < uniforms.chunk; j += 4) {
      ${each4(
        (i) => `if (b0 + ${i} < uniforms.batch) {
        let scores = select(vec4<f32>(NEG), result[(row${i} + j) / 4], j < end);
        result[(row${i} + j) / 4] = select(vec4<f32>(0.0), exp(scores - max${i}), scores > vec4<f32>(HALF_NEG));
      }`,
      )}
    }
    ${each4((i) => `if (b0 + ${i} < uniforms.batch) { result[(row${i} + uniforms.chunk) / 4] = vec4<f32>(max${i}, sum${i}, exp(oldMax${i} - max${i}), 0.0); }`)}
  }`;
  }
}

/** What {@link AttentionNormalizeProgram} writes. */
export type NormalizeTarget = 'output' | 'logSumExp';

/**
 * Forward pass 3, after every chunk: output = accumulated output / running sum (zeros for a query
 * that saw no filled slot), or logSumExp = running max + log(running sum) (0 for such a query).
 *
 * Bindings: result [B, H, dv] or [B, H]; accumulated [B, H, dv]; statistics, the last chunk's
 * [B, H, C + 4] result of {@link ChunkSoftmaxProgram}. Grid: one lane per output float.
 */
export class AttentionNormalizeProgram implements WebGPUProgramLike {
  readonly variableNames = ['accumulated', 'statistics'];
  readonly outputShape: number[];
  readonly shaderKey: string;
  readonly workgroupSize: [number, number, number] = [LANES, 1, 1];
  readonly dispatchLayout = GRID_LAYOUT;
  readonly dispatch: [number, number, number];
  readonly uniforms = 'rows : i32, valueDim : i32, chunk : i32,';

  constructor(
    private readonly target: NormalizeTarget,
    batch: number,
    heads: number,
    valueDim: number,
  ) {
    this.outputShape = target === 'output' ? [batch, heads, valueDim] : [batch, heads];
    this.dispatch = [Math.ceil(this.outputShape.reduce((a, b) => a * b, 1) / LANES), 1, 1];
    this.shaderKey = `holomindAttentionNormalize_${target}`;
  }

  getUserCode(): string {
    const columns = this.target === 'output' ? 'uniforms.valueDim' : '1';
    const value =
      this.target === 'output'
        ? 'select(0.0, accumulated[index] / total, total > 0.0)'
        : 'select(0.0, statistics[base] + log(total), total > 0.0)';
    return `
  fn main() {
    let index = i32(globalId.x);
    if (index >= uniforms.rows * ${columns}) { return; }
    let base = (index / ${columns}) * (uniforms.chunk + 4) + uniforms.chunk;
    let total = statistics[base + 1];
    _ = accumulated[0]; // both targets bind both inputs
    result[index] = ${value};
  }`;
  }
}
