// Small WGSL generators shared by the fused kernels. Register blocks are written out (4 x 4
// named variables) instead of private arrays: indexing a private array with a loop variable
// turns into per-lane scratch memory on CPU drivers (lavapipe) and into spills on GPUs.

const FOUR = [0, 1, 2, 3] as const;

/** Lines produced by `line(i)` for i = 0..3, joined. */
export function each4(line: (i: number) => string, separator = '\n'): string {
  return FOUR.map(line).join(separator);
}

/** Lines produced by `line(i, j)` for every (i, j) of a 4 x 4 block, joined. */
export function each4x4(line: (i: number, j: number) => string, separator = '\n'): string {
  return FOUR.flatMap((i) => FOUR.map((j) => line(i, j))).join(separator);
}

/**
 * `fn name(row, rowLimit, h, c4) -> vec4<f32>`: four consecutive floats, starting at column
 * `c4 * 4`, of row `row` and head `h` of a [rows, heads, width] input, zero from `rowLimit` on and
 * past `width`. `vectorized` (width a multiple of 4, input bound as vec4) makes it one load.
 */
export function rowReader(
  name: string,
  input: string,
  width: number | string,
  vectorized: boolean,
  headsUniform = 'uniforms.heads',
): string {
  const load = vectorized
    ? `if (c4 * 4 < ${width}) { x = vec4<f32>(${input}[((row * ${headsUniform} + h) * ${width}) / 4 + c4]); }`
    : `let base = (row * ${headsUniform} + h) * ${width} + c4 * 4;
      for (var i = 0; i < 4; i++) {
        if (c4 * 4 + i < ${width}) { x[i] = f32(${input}[base + i]); }
      }`;
  return `
  fn ${name}(row : i32, rowLimit : i32, h : i32, c4 : i32) -> vec4<f32> {
    var x = vec4<f32>(0.0);
    if (row < rowLimit) {
      ${load}
    }
    return x;
  }`;
}

/**
 * `fn name(base, c4, x)`: writes the components of `x` that fall before `width` at
 * `result[base + c4 * 4 + i]`. With `accumulate`, `fn name(base, c4, x, add, keep)` writes
 * `keep * old + x` when `add` is true. `vectorized` (result bound as vec4, `base` and `width`
 * multiples of 4) makes it one access.
 */
export function rowWriter(name: string, width: number | string, vectorized: boolean, accumulate = false): string {
  const parameters = accumulate
    ? 'base : i32, c4 : i32, x : vec4<f32>, add : bool, keep : f32'
    : 'base : i32, c4 : i32, x : vec4<f32>';
  if (vectorized) {
    const value = accumulate ? 'select(x, result[base / 4 + c4] * keep + x, add)' : 'x';
    return `
  fn ${name}(${parameters}) {
    if (c4 * 4 < ${width}) { result[base / 4 + c4] = ${value}; }
  }`;
  }
  const value = accumulate ? 'select(x[i], result[base + c4 * 4 + i] * keep + x[i], add)' : 'x[i]';
  return `
  fn ${name}(${parameters}) {
    for (var i = 0; i < 4; i++) {
      if (c4 * 4 + i < ${width}) { result[base + c4 * 4 + i] = ${value}; }
    }
  }`;
}

/** Whether a kernel over keys of width `keyDim` and values of width `valueDim` can bind them as vec4. */
export function vectorizable(keyDim: number, valueDim: number): boolean {
  return keyDim % 4 === 0 && valueDim % 4 === 0;
}
