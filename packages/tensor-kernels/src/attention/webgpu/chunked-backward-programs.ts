import { GRID_LAYOUT, type WebGPUProgramLike } from '../../webgpu/webgpu-program.js';
import { each4, each4x4, rowReader, rowWriter } from '../../webgpu/wgsl-snippets.js';
import { SLOT_WEIGHT } from './attention-snippets.js';

const LANES = 64;
/** Slot blocks of 4 per lane in ChunkScoresProgram (a 4 x 8 block: fewer loads per product). */
const SLOT_GROUPS = 2;
/** Row blocks of 4 per lane in ChunkProductProgram (an 8 x 16 block). */
const ROW_GROUPS = 2;

/** Floats of P and dS one chunk may hold: the chunk is as wide as fits, at most 512 slots. */
const SCRATCH_FLOATS = 2 ** 21;

/** Slots per chunk for `rows` = B·H query rows: a multiple of 8, at most 512. */
export function chunkSlots(rows: number, slots: number): number {
  const fitting = Math.max(8, Math.floor(SCRATCH_FLOATS / rows / 8) * 8);
  return Math.min(512, fitting, Math.ceil(slots / 8) * 8);
}

function lanesGrid(lanesPerHead: number, heads: number): [number, number, number] {
  return [Math.ceil(lanesPerHead / LANES), heads, 1];
}

/**
 * Backward pass 1 for one chunk of slots, without workgroup memory: P = exp(scale q.k - lse)
 * (0 for empty slots) and dS = P (dO.v - delta) for every query and the chunk's slots.
 *
 * Bindings: result [2, B, H, C] (P, then dS; vec4-bound, C a multiple of 4); Q [B, H, d];
 * K [M, H, d]; V [M, H, dv]; slotMask [M]; dO [B, H, dv]; logSumExp [B, H]; delta [B, H].
 * Grid: x = lanes / 64, y = heads; each lane computes a 4 x 4 block (queries x slots) from
 * storage reads, so no lane ever waits for another.
 */
export class ChunkScoresProgram implements WebGPUProgramLike {
  readonly variableNames = ['Q', 'K', 'V', 'slotMask', 'dO', 'logSumExp', 'delta'];
  readonly outputShape: number[];
  readonly shaderKey: string;
  readonly workgroupSize: [number, number, number] = [LANES, 1, 1];
  readonly dispatchLayout = GRID_LAYOUT;
  readonly dispatch: [number, number, number];
  readonly uniforms =
    'batch : i32, heads : i32, slots : i32, chunkStart : i32, chunk : i32, scale : f32, keyDim : i32, valueDim : i32, keyVec4s : i32, valueVec4s : i32,';
  readonly outputComponent = 4;
  readonly variableComponents: number[];

  constructor(
    batch: number,
    heads: number,
    chunk: number,
    private readonly vectorized: boolean,
  ) {
    this.outputShape = [2, batch, heads, chunk];
    this.variableComponents = vectorized ? [4, 4, 4, 1, 4, 1, 1] : [1, 1, 1, 1, 1, 1, 1];
    this.dispatch = lanesGrid(Math.ceil(batch / 4) * (chunk / (4 * SLOT_GROUPS)), heads);
    this.shaderKey = `holomindAttentionChunkScores_${vectorized}`;
  }

  getUserCode(): string {
    const groups = [0, 1];
    const slot = (g: number, j: number) => `${g}${j}`;
    const perGroup = (line: (g: number) => string, separator = ' ') => groups.map(line).join(separator);
    return `
  ${rowReader('readQ', 'Q', 'uniforms.keyDim', this.vectorized)}
  ${rowReader('readK', 'K', 'uniforms.keyDim', this.vectorized)}
  ${rowReader('readV', 'V', 'uniforms.valueDim', this.vectorized)}
  ${rowReader('readDO', 'dO', 'uniforms.valueDim', this.vectorized)}
  ${SLOT_WEIGHT}

  fn main() {
    let lane = i32(globalId.x);
    let h = i32(globalId.y);
    let slotBlocks = uniforms.chunk / ${4 * SLOT_GROUPS};
    let b0 = (lane / slotBlocks) * 4;
    let j0 = (lane % slotBlocks) * ${4 * SLOT_GROUPS};
    if (b0 >= uniforms.batch) { return; }
    let m0 = uniforms.chunkStart + j0;
    ${perGroup((g) => each4x4((i, j) => `var s${i}${slot(g, j)} = 0.0;`, ' '))}
    for (var c = 0; c < uniforms.keyVec4s; c++) {
      ${each4((i) => `let x${i} = readQ(b0 + ${i}, uniforms.batch, h, c);`, ' ')}
      ${perGroup((g) => each4((j) => `let y${slot(g, j)} = readK(m0 + ${4 * g + j}, uniforms.slots, h, c);`, ' '))}
      ${perGroup((g) => each4x4((i, j) => `s${i}${slot(g, j)} += dot(x${i}, y${slot(g, j)});`, ' '))}
    }
    ${perGroup((g) => each4x4((i, j) => `var t${i}${slot(g, j)} = 0.0;`, ' '))}
    for (var c = 0; c < uniforms.valueVec4s; c++) {
      ${each4((i) => `let x${i} = readDO(b0 + ${i}, uniforms.batch, h, c);`, ' ')}
      ${perGroup((g) => each4((j) => `let y${slot(g, j)} = readV(m0 + ${4 * g + j}, uniforms.slots, h, c);`, ' '))}
      ${perGroup((g) => each4x4((i, j) => `t${i}${slot(g, j)} += dot(x${i}, y${slot(g, j)});`, ' '))}
    }
    ${perGroup((g) => each4((j) => `let filled${slot(g, j)} = slotWeight(m0 + ${4 * g + j}, uniforms.slots) > 0.0;`, ' '))}
    ${each4(
      (i) => `if (b0 + ${i} < uniforms.batch) {
      let row = (b0 + ${i}) * uniforms.heads + h;
      let rowLse = f32(logSumExp[row]);
      let rowDelta = f32(delta[row]);
      ${perGroup(
        (g) => `{
        let p = vec4<f32>(${each4((j) => `select(0.0, exp(s${i}${slot(g, j)} * uniforms.scale - rowLse), filled${slot(g, j)})`, ', ')});
        let dp = vec4<f32>(${each4((j) => `t${i}${slot(g, j)}`, ', ')});
        let base = (row * uniforms.chunk + j0) / 4 + ${g};
        result[base] = p;
        result[base + uniforms.batch * uniforms.heads * uniforms.chunk / 4] = p * (dp - rowDelta);
      }`,
        '\n      ',
      )}
    }`,
    )}
  }`;
  }
}

/** Which product {@link ChunkProductProgram} forms. */
export type ChunkProduct = 'slots' | 'queries';

/**
 * A product over one chunk of slots, without workgroup memory, writing into a tensor that
 * every chunk's dispatch shares (runWebGPUProgram's `output`):
 * - `slots`: out[m] = scale Σ_b W[b, m] X[b] for the chunk's slots m (dV from P and dO; dK from dS
 *   and q). Each slot belongs to one chunk, so its rows are written exactly once.
 * - `queries`: out[b] = keep * out[b] + scale Σ_m W[b, m] X[m] over the chunk's slots (dQ from dS
 *   and K with keep = 1; the forward's O from P and V with keep = the softmax rescale factor that
 *   W carries in column `rescaleColumn`); the first chunk writes, later ones update in order, so
 *   no two dispatches touch it at once.
 * Bindings: result; W, rows of `weightsStride` floats from `weightsOffset` (the [2, B, H, C]
 * backward scratch, or the forward's [B, H, C + 4] probabilities and running statistics);
 * X [rows, H, width]. Grid: x = lanes / 64, y = heads; each lane owns 8 rows x 16 columns.
 */
export class ChunkProductProgram implements WebGPUProgramLike {
  readonly variableNames = ['W', 'X'];
  readonly outputShape: number[];
  readonly shaderKey: string;
  readonly workgroupSize: [number, number, number] = [LANES, 1, 1];
  readonly dispatchLayout = GRID_LAYOUT;
  readonly dispatch: [number, number, number];
  readonly uniforms =
    'batch : i32, heads : i32, slots : i32, chunkStart : i32, chunk : i32, width : i32, weightsOffset : i32, scale : f32, add : i32, weightsStride : i32, rescaleColumn : i32,';
  readonly outputComponent: number;
  readonly variableComponents: number[];

  constructor(
    private readonly product: ChunkProduct,
    outputShape: number[],
    batch: number,
    heads: number,
    chunk: number,
    width: number,
    private readonly vectorized: boolean,
  ) {
    this.outputShape = outputShape;
    this.outputComponent = vectorized ? 4 : 1;
    this.variableComponents = [4, vectorized ? 4 : 1];
    const rowBlocks = product === 'slots' ? chunk / (4 * ROW_GROUPS) : Math.ceil(batch / (4 * ROW_GROUPS));
    this.dispatch = lanesGrid(rowBlocks * Math.ceil(width / 16), heads);
    this.shaderKey = `holomindAttentionChunkProduct_${product}_${vectorized}`;
  }

  getUserCode(): string {
    const io = `
  ${rowReader('readX', 'X', 'uniforms.width', this.vectorized)}
  ${rowWriter('writeColumns', 'uniforms.width', this.vectorized, true)}
  // Four consecutive slots' weights of query row b, starting at chunk column j (a multiple of 4).
  fn weights4(b : i32, h : i32, j : i32) -> vec4<f32> {
    return W[(uniforms.weightsOffset + (b * uniforms.heads + h) * uniforms.weightsStride + j) / 4];
  }
  // What the existing output of row b is multiplied by before adding: 1, or W's rescale column.
  fn keepFactor(b : i32, h : i32) -> f32 {
    if (uniforms.rescaleColumn < 0) { return 1.0; }
    let index = uniforms.weightsOffset + (b * uniforms.heads + h) * uniforms.weightsStride + uniforms.rescaleColumn;
    return W[index / 4][index % 4];
  }`;
    return io + (this.product === 'slots' ? this.slotsCode() : this.queriesCode());
  }

  private slotsCode(): string {
    const rows = [...Array(ROW_GROUPS).keys()];
    const perRow = (line: (r: number) => string, separator = ' ') => rows.map(line).join(separator);
    return `
  fn main() {
    let lane = i32(globalId.x);
    let h = i32(globalId.y);
    let columnBlocks = (uniforms.width + 15) / 16;
    let j0 = (lane / columnBlocks) * ${4 * ROW_GROUPS};
    let c0 = (lane % columnBlocks) * 4;
    if (j0 >= uniforms.chunk) { return; }
    ${perRow((r) => each4x4((j, k) => `var a${r}${j}${k} = vec4<f32>(0.0);`, ' '))}
    for (var b = 0; b < uniforms.batch; b++) {
      ${perRow((r) => `let w${r} = weights4(b, h, j0 + ${4 * r});`)}
      ${each4((k) => `let x${k} = readX(b, uniforms.batch, h, c0 + ${k});`, ' ')}
      ${perRow((r) => each4x4((j, k) => `a${r}${j}${k} += w${r}[${j}] * x${k};`, ' '))}
    }
    ${perRow(
      (r) =>
        each4(
          (j) => `if (uniforms.chunkStart + j0 + ${4 * r + j} < uniforms.slots) {
      let base = ((uniforms.chunkStart + j0 + ${4 * r + j}) * uniforms.heads + h) * uniforms.width;
      ${each4((k) => `writeColumns(base, c0 + ${k}, a${r}${j}${k} * uniforms.scale, false, 1.0);`, ' ')}
    }`,
        ),
      '\n    ',
    )}
  }`;
  }

  private queriesCode(): string {
    const rows = [...Array(ROW_GROUPS).keys()];
    const perRow = (line: (r: number) => string, separator = ' ') => rows.map(line).join(separator);
    return `
  fn main() {
    let lane = i32(globalId.x);
    let h = i32(globalId.y);
    let columnBlocks = (uniforms.width + 15) / 16;
    let b0 = (lane / columnBlocks) * ${4 * ROW_GROUPS};
    let c0 = (lane % columnBlocks) * 4;
    if (b0 >= uniforms.batch) { return; }
    ${perRow((r) => each4x4((i, k) => `var a${r}${i}${k} = vec4<f32>(0.0);`, ' '))}
    let end = min(uniforms.chunk, uniforms.slots - uniforms.chunkStart);
    for (var j = 0; j < end; j += 4) {
      ${perRow((r) => each4((i) => `let w${r}${i} = weights4(min(b0 + ${4 * r + i}, uniforms.batch - 1), h, j);`, ' '))}
      for (var t = 0; t < 4; t++) {
        let m = uniforms.chunkStart + j + t;
        ${each4((k) => `let x${k} = readX(m, uniforms.slots, h, c0 + ${k});`, ' ')}
        ${perRow((r) => each4x4((i, k) => `a${r}${i}${k} += w${r}${i}[t] * x${k};`, ' '))}
      }
    }
    ${perRow(
      (r) =>
        each4(
          (i) => `if (b0 + ${4 * r + i} < uniforms.batch) {
      let base = ((b0 + ${4 * r + i}) * uniforms.heads + h) * uniforms.width;
      let keep = keepFactor(b0 + ${4 * r + i}, h);
      ${each4((k) => `writeColumns(base, c0 + ${k}, a${r}${i}${k} * uniforms.scale, uniforms.add != 0, keep);`, ' ')}
    }`,
        ),
      '\n    ',
    )}
  }`;
  }
}
