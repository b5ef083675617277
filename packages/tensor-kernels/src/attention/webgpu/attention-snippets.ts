// WGSL pieces the fused attention programs share. Each returns WGSL text; the programs name their
// own buffers and uniforms, so the pieces take those names as arguments.
import { each4, each4x4 } from '../../webgpu/wgsl-snippets.js';

/**
 * `fn slotWeight(m, limit) -> f32`: slotMask[m] for a slot below `limit` (> 0 means filled), 0 for
 * slots past it (padding of the last tile or chunk). Reads `slotMask` and `uniforms.slots`.
 */
export const SLOT_WEIGHT = `
  fn slotWeight(m : i32, limit : i32) -> f32 {
    return select(0.0, f32(slotMask[min(m, uniforms.slots - 1)]), m < limit);
  }`;

/** What {@link stageRows} copies into workgroup memory. */
export interface StagedRows {
  /** The `var<workgroup>` array of vec4, [rows, width4]. */
  target: string;
  /** A {@link rowReader} function name. */
  read: string;
  /** Rows in the tile and vec4s per row (WGSL expressions or constants). */
  rows: string;
  width4: string;
  /** The tile's first row and the row from which reads give zeros. */
  firstRow: string;
  rowLimit: string;
  /** Multiplies every value, e.g. `uniforms.scale` for pre-scaled queries. */
  scale?: string;
}

/** A loop in which the workgroup's lanes (`lane` of `WG`) together copy a tile of head `h`'s rows into workgroup memory. */
export function stageRows({ target, read, rows, width4, firstRow, rowLimit, scale }: StagedRows): string {
  return `for (var e = lane; e < ${rows} * ${width4}; e += WG) {
        let r = e / ${width4};
        ${target}[e] = ${read}(${firstRow} + r, ${rowLimit}, h, e - r * ${width4})${scale ? ` * ${scale}` : ''};
      }`;
}

/**
 * A loop adding the 4 x 4 block of dot products of rows `leftRow + i` of `left` and `rightRow + j`
 * of `right` (workgroup arrays of vec4, `width4` per row) to `accumulator{i}{j}`, declared before.
 */
export function dotBlock(
  accumulator: string,
  left: string,
  leftRow: string,
  right: string,
  rightRow: string,
  width4: string,
): string {
  return `for (var c = 0; c < ${width4}; c++) {
          ${each4((i) => `let x${i} = ${left}[(${leftRow} + ${i}) * ${width4} + c];`, ' ')}
          ${each4((j) => `let y${j} = ${right}[(${rightRow} + ${j}) * ${width4} + c];`, ' ')}
          ${each4x4((i, j) => `${accumulator}${i}${j} += dot(x${i}, y${j});`, ' ')}
        }`;
}

/**
 * Lane 0 stores the slot range [first, last) of workgroup `index` (each owns `perGroup` slots) in
 * `var<workgroup> name : vec2<i32>`; `workgroupUniformLoad(&name)` then gives it to every lane.
 */
export function storeSlotRange(name: string, index: string, perGroup: string): string {
  return `if (lane == 0) {
      let first = ${index} * ${perGroup};
      ${name} = vec2<i32>(first, min(first + ${perGroup}, uniforms.slots));
    }`;
}
