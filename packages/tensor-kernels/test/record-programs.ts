import * as tf from '@tensorflow/tfjs-core';
import type { WebGPUBackendLike, WebGPUProgramLike } from '../src/webgpu/webgpu-program.js';

/** One WebGPU program a call ran: its pipeline key (tfjs appends ranks and dtypes) and output shape. */
export interface ProgramRun {
  shaderKey: string;
  outputShape: number[];
}

/**
 * Runs `work` and lists every program the webgpu backend dispatched meanwhile, ours and tfjs's
 * own kernels alike: all of them go through `runWebGPUProgram`, which is observed, not replaced.
 */
export async function recordPrograms(work: () => unknown | Promise<unknown>): Promise<ProgramRun[]> {
  const backend = tf.backend() as unknown as WebGPUBackendLike;
  const run = backend.runWebGPUProgram;
  const runs: ProgramRun[] = [];
  backend.runWebGPUProgram = function (this: WebGPUBackendLike, program: WebGPUProgramLike, ...rest) {
    const result = run.call(this, program, ...rest);
    runs.push({ shaderKey: program.shaderKey, outputShape: [...program.outputShape] });
    return result;
  } as WebGPUBackendLike['runWebGPUProgram'];
  try {
    await work();
  } finally {
    backend.runWebGPUProgram = run;
  }
  return runs;
}
