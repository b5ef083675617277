import type { TileStaging } from '../../webgpu/staging.js';
import { GRID_LAYOUT, type WebGPUProgramLike } from '../../webgpu/webgpu-program.js';
import { each4, each4x4, rowReader, rowWriter, vectorizable } from '../../webgpu/wgsl-snippets.js';

/** Output rows (input units) and columns (output units) per workgroup, and samples per stage. */
const ROWS = 64;
const COLUMNS = 64;
const SAMPLES = 32;
/** Rows of 4 a lane owns without workgroup staging (8 rows x 16 columns in registers). */
const REGISTER_ROW_GROUPS = 2;
const LANES = 64;

/** Workgroup memory the staged Fisher kernel declares, in bytes (fits WebGPU's default 16 KiB). */
export const FISHER_SHARED_BYTES = 16 * SAMPLES * (ROWS / 4 + COLUMNS / 4);

/**
 * The Fisher diagonal of a dense kernel, (X∘X)ᵀ(G∘G) / N, with the squares taken while X and G
 * are loaded (no squared copy of X or G is ever stored).
 *
 * Bindings: result [in, out]; X [N, in]; G [N, out] (all bound as vec4 arrays when in and out are
 * multiples of 4).
 * `workgroup` staging — grid: x = tiles of 64 output units, y = tiles of 64 input units; 64 lanes,
 * each owning 4 rows x 16 columns of the result in registers. Per stage of 32 samples the
 * workgroup squares its X and G tiles into workgroup memory, then every lane adds x² ⊗ g².
 * `registers` staging — grid: one lane per 8 rows x 16 columns, 64 lanes per workgroup, no
 * barrier; each lane reads and squares its own 2 + 4 vec4 of X and G per sample.
 * Numerics: float32 sums over the samples in order, scaled by 1/N at the end; squares are never
 * negative, so there is no cancellation.
 */
export class FisherProgram implements WebGPUProgramLike {
  readonly variableNames = ['X', 'G'];
  readonly outputShape: number[];
  readonly shaderKey: string;
  readonly workgroupSize: [number, number, number] = [LANES, 1, 1];
  readonly dispatchLayout = GRID_LAYOUT;
  readonly dispatch: [number, number, number];
  readonly uniforms = 'samples : i32, inUnits : i32, outUnits : i32, invSamples : f32,';
  readonly outputComponent: number;
  readonly variableComponents: number[];
  private readonly vectorized: boolean;

  constructor(
    inUnits: number,
    outUnits: number,
    private readonly staging: TileStaging,
  ) {
    this.outputShape = [inUnits, outUnits];
    this.vectorized = vectorizable(inUnits, outUnits);
    this.outputComponent = this.vectorized ? 4 : 1;
    this.variableComponents = this.vectorized ? [4, 4] : [1, 1];
    if (staging === 'workgroup') {
      this.dispatch = [Math.ceil(outUnits / COLUMNS), Math.ceil(inUnits / ROWS), 1];
    } else {
      const lanes = Math.ceil(inUnits / (4 * REGISTER_ROW_GROUPS)) * Math.ceil(outUnits / 16);
      this.dispatch = [Math.ceil(lanes / LANES), 1, 1];
    }
    this.shaderKey = `holomindFisher_${staging}_${this.vectorized}`;
  }

  getUserCode(): string {
    const io = `
  ${rowReader('readX', 'X', 'uniforms.inUnits', this.vectorized, '1')}
  ${rowReader('readG', 'G', 'uniforms.outUnits', this.vectorized, '1')}
  ${rowWriter('writeColumns', 'uniforms.outUnits', this.vectorized)}`;
    return io + (this.staging === 'workgroup' ? this.stagedCode() : this.registerCode());
  }

  private stagedCode(): string {
    return `
  const TI4 : i32 = ${ROWS / 4};
  const TJ4 : i32 = ${COLUMNS / 4};
  const TN : i32 = ${SAMPLES};
  const WG : i32 = ${LANES};
  const COLUMN_BLOCKS : i32 = TJ4 / 4;
  var<workgroup> Xs : array<vec4<f32>, ${SAMPLES * (ROWS / 4)}>;
  var<workgroup> Gs : array<vec4<f32>, ${SAMPLES * (COLUMNS / 4)}>;

  fn main() {
    let lane = i32(localIndex);
    let j4 = i32(workgroupId.x) * TJ4;
    let i4 = i32(workgroupId.y) * TI4;
    let ib = lane / COLUMN_BLOCKS;
    let jb = (lane % COLUMN_BLOCKS) * 4;
    ${each4x4((i, k) => `var acc${i}${k} = vec4<f32>(0.0);`, ' ')}
    for (var n0 = 0; n0 < uniforms.samples; n0 += TN) {
      for (var e = lane; e < TN * TI4; e += WG) {
        let r = e / TI4;
        let x = readX(n0 + r, uniforms.samples, 0, i4 + e - r * TI4);
        Xs[e] = x * x;
      }
      for (var e = lane; e < TN * TJ4; e += WG) {
        let r = e / TJ4;
        let g = readG(n0 + r, uniforms.samples, 0, j4 + e - r * TJ4);
        Gs[e] = g * g;
      }
      workgroupBarrier();
      for (var n = 0; n < TN; n++) {
        let x = Xs[n * TI4 + ib];
        ${each4((k) => `let g${k} = Gs[n * TJ4 + jb + ${k}];`, ' ')}
        ${each4x4((i, k) => `acc${i}${k} += x[${i}] * g${k};`, ' ')}
      }
      workgroupBarrier();
    }
    ${each4(
      (i) => `if ((i4 + ib) * 4 + ${i} < uniforms.inUnits) {
      let base = ((i4 + ib) * 4 + ${i}) * uniforms.outUnits;
      ${each4((k) => `writeColumns(base, j4 + jb + ${k}, acc${i}${k} * uniforms.invSamples);`, ' ')}
    }`,
    )}
  }`;
  }

  private registerCode(): string {
    const groups = [...Array(REGISTER_ROW_GROUPS).keys()];
    const perGroup = (line: (r: number) => string) => groups.map(line).join('\n    ');
    return `
  fn main() {
    let lane = i32(globalId.x);
    let columnBlocks = (uniforms.outUnits + 15) / 16;
    let i4 = (lane / columnBlocks) * ${REGISTER_ROW_GROUPS};
    let j4 = (lane % columnBlocks) * 4;
    if (i4 * 4 >= uniforms.inUnits) { return; }
    ${perGroup((r) => each4x4((i, k) => `var acc${r}${i}${k} = vec4<f32>(0.0);`, ' '))}
    for (var n = 0; n < uniforms.samples; n++) {
      ${perGroup((r) => `let xr${r} = readX(n, uniforms.samples, 0, i4 + ${r}); let x${r} = xr${r} * xr${r};`)}
      ${each4((k) => `let gr${k} = readG(n, uniforms.samples, 0, j4 + ${k}); let g${k} = gr${k} * gr${k};`, ' ')}
      ${perGroup((r) => each4x4((i, k) => `acc${r}${i}${k} += x${r}[${i}] * g${k};`, ' '))}
    }
    ${perGroup((r) =>
      each4(
        (i) => `if ((i4 + ${r}) * 4 + ${i} < uniforms.inUnits) {
      let base = ((i4 + ${r}) * 4 + ${i}) * uniforms.outUnits;
      ${each4((k) => `writeColumns(base, j4 + ${k}, acc${r}${i}${k} * uniforms.invSamples);`, ' ')}
    }`,
      ),
    )}
  }`;
  }
}
