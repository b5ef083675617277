import { SOFTWARE_ADAPTER } from '../backends/webgpu.js';
import type { WebGPUBackendLike } from './webgpu-program.js';

/**
 * Where a fused kernel keeps the tiles it shares between lanes.
 * - `workgroup`: tiles staged in `var<workgroup>` memory behind barriers (GPUs: on-chip memory).
 * - `registers`: no workgroup memory and no barrier; each lane reads its operands from storage
 *   into registers. CPU implementations (lavapipe, SwiftShader, WARP) run a workgroup's lanes as
 *   coroutines that switch at every barrier, which measured 2-3x slower here than lanes that never
 *   wait, while their caches serve repeated storage reads well.
 */
export type TileStaging = 'workgroup' | 'registers';

let forced: TileStaging | undefined;

/** Forces a staging for every later dispatch (tests run both on one adapter); undefined restores the choice by adapter. */
export function forceTileStaging(staging: TileStaging | undefined): void {
  forced = staging;
}

/** The staging for the current WebGPU backend: `registers` on software adapters, else `workgroup`. */
export function tileStagingFor(backend: WebGPUBackendLike): TileStaging {
  if (forced) return forced;
  const info = backend.adapterInfo;
  return info && SOFTWARE_ADAPTER.test(`${info.vendor ?? ''} ${info.architecture ?? ''}`) ? 'registers' : 'workgroup';
}
