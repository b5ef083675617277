import { GRID_LAYOUT, type WebGPUProgramLike } from './webgpu-program.js';

const WORKGROUP = 256;
const MAX_GROUPS_X = 32768;

function grid(invocations: number): [number, number, number] {
  const groups = Math.ceil(invocations / WORKGROUP);
  return groups <= MAX_GROUPS_X ? [groups, 1, 1] : [MAX_GROUPS_X, Math.ceil(groups / MAX_GROUPS_X), 1];
}

const FLAT_INDEX = `i32(globalId.y * numWorkgroups.x * ${WORKGROUP}u + globalId.x)`;

/**
 * Copies `size` floats starting at `offset` of a flat input into a new tensor of `shape`
 * (one of several results a program packed into one output buffer).
 *
 * Bindings: result [shape]; packed, flat. Grid: 256 lanes per workgroup, one lane per 4 floats
 * (vec4 loads and stores when `offset` and `size` are multiples of 4, else one float per lane).
 */
export class UnpackProgram implements WebGPUProgramLike {
  readonly variableNames = ['packed'];
  readonly shaderKey: string;
  readonly workgroupSize: [number, number, number] = [WORKGROUP, 1, 1];
  readonly dispatchLayout = GRID_LAYOUT;
  readonly dispatch: [number, number, number];
  readonly uniforms = 'offset : i32, count : i32,';
  /** Read by tfjs-backend-webgpu: bind result and packed as vec4 arrays. */
  readonly outputComponent: number;
  readonly variableComponents: number[];

  constructor(
    readonly outputShape: number[],
    offset: number,
  ) {
    const size = outputShape.reduce((a, b) => a * b, 1);
    const width = offset % 4 === 0 && size % 4 === 0 ? 4 : 1;
    this.outputComponent = width;
    this.variableComponents = [width];
    this.dispatch = grid(size / width);
    this.shaderKey = `holomindUnpack_${width}`;
  }

  getUserCode(): string {
    return `
  fn main() {
    let index = ${FLAT_INDEX};
    if (index < uniforms.count) { result[index] = packed[uniforms.offset + index]; }
  }`;
  }
}

/** Uniform values of an {@link UnpackProgram}: offset and count in units of its width. */
export function unpackUniforms(program: UnpackProgram, offset: number): Array<{ type: 'int32'; data: number[] }> {
  const size = program.outputShape.reduce((a, b) => a * b, 1);
  const width = program.outputComponent;
  return [
    { type: 'int32', data: [offset / width] },
    { type: 'int32', data: [size / width] },
  ];
}

/**
 * Sums `parts` consecutive blocks of `outputShape`'s size, starting at `offset` of a flat input:
 * the reduce pass over per-workgroup partial sums (WGSL has no float atomics).
 *
 * Bindings: result [outputShape]; packed, flat. Grid: 256 lanes per workgroup, one lane per
 * output float, each adding `parts` values in order (deterministic).
 */
export class SumPartsProgram implements WebGPUProgramLike {
  readonly variableNames = ['packed'];
  readonly shaderKey = 'holomindSumParts';
  readonly workgroupSize: [number, number, number] = [WORKGROUP, 1, 1];
  readonly dispatchLayout = GRID_LAYOUT;
  readonly dispatch: [number, number, number];
  readonly uniforms = 'offset : i32, count : i32, parts : i32,';

  constructor(readonly outputShape: number[]) {
    this.dispatch = grid(outputShape.reduce((a, b) => a * b, 1));
  }

  getUserCode(): string {
    return `
  fn main() {
    let index = ${FLAT_INDEX};
    if (index >= uniforms.count) { return; }
    var total = 0.0;
    for (var part = 0; part < uniforms.parts; part++) {
      total += packed[uniforms.offset + part * uniforms.count + index];
    }
    result[index] = total;
  }`;
  }
}
