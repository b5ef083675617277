import * as tf from '@tensorflow/tfjs-core';
import type { DataId, TensorInfo } from '@tensorflow/tfjs-core';

/**
 * The shape of tfjs-backend-webgpu 4.22's `WebGPUProgram`, typed here so that this package's
 * declarations never name the optional backend package. tfjs wraps `getUserCode()` with the
 * bindings (`result` at 0, one `array<f32>` per variable name, then `uniforms`), helpers and a
 * `_start` entry point that calls our `main()`; the pipeline cache key is `shaderKey` plus the
 * ranks and dtypes of the tensors, so every compile-time constant must be part of `shaderKey`.
 */
export interface WebGPUProgramLike {
  variableNames: string[];
  outputShape: number[];
  shaderKey: string;
  workgroupSize: [number, number, number];
  dispatchLayout: { x: number[]; y?: number[]; z?: number[] };
  dispatch: [number, number, number];
  /** Extra fields of the uniform struct, e.g. `slots : i32, scale : f32,`. */
  uniforms?: string;
  /** 4 binds `result` as `array<vec4<f32>>`; default 1. */
  outputComponent?: number;
  /** Per variable, 4 binds it as `array<vec4<f32>>`; default `outputComponent`. */
  variableComponents?: number[];
  getUserCode(): string;
}

/** One value of a program's uniform struct, in declaration order. */
export interface ProgramUniform {
  type: 'int32' | 'float32';
  data: number[];
}

/** The part of tfjs-backend-webgpu's `WebGPUBackend` that the fused kernels use. */
export interface WebGPUBackendLike {
  device: GPUDevice;
  /** What the adapter said about itself (tfjs-backend-webgpu's AdapterInfo). */
  adapterInfo?: { vendor?: string; architecture?: string };
  /** Runs `program`; with `output`, writes into that tensor's buffer instead of a new one. */
  runWebGPUProgram(
    program: WebGPUProgramLike,
    inputs: TensorInfo[],
    outputDtype: 'float32',
    uniforms?: ProgramUniform[],
    output?: TensorInfo,
  ): TensorInfo;
  /** A new tensor's data (uninitialised when `values` is omitted); the engine does not track it yet. */
  makeTensorInfo(shape: number[], dtype: 'float32', values?: Float32Array): TensorInfo;
  disposeData(dataId: DataId): boolean;
}

/** Every program here declares its layout this way, so tfjs calls `fn main()` with no index. */
export const GRID_LAYOUT = { x: [0], y: [1], z: [2] };

/** Uniform helpers, so call sites read like the struct they fill. */
export const int32 = (value: number): ProgramUniform => ({ type: 'int32', data: [value] });
export const float32 = (value: number): ProgramUniform => ({ type: 'float32', data: [value] });

/** The current tfjs backend as a WebGPU backend; callers checked `tf.getBackend() === 'webgpu'`. */
export function webgpuBackend(): WebGPUBackendLike {
  return tf.backend() as unknown as WebGPUBackendLike;
}

/** Runs a program and hands the result to the engine as a tensor the caller owns. */
export function runProgramAsTensor<T extends tf.Tensor>(
  program: WebGPUProgramLike,
  inputs: TensorInfo[],
  uniforms: ProgramUniform[],
): T {
  const info = webgpuBackend().runWebGPUProgram(program, inputs, 'float32', uniforms);
  return tf.engine().makeTensorFromTensorInfo(info) as T;
}

/** The largest number of bytes of `var<workgroup>` storage a shader may declare on this device. */
export function workgroupStorageLimit(backend: WebGPUBackendLike): number {
  return backend.device.limits.maxComputeWorkgroupStorageSize;
}

/** `value` rounded up to a multiple of `multiple`. */
export function roundUp(value: number, multiple: number): number {
  return Math.ceil(value / multiple) * multiple;
}
