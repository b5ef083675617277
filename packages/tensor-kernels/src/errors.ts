import { HoloMindError } from '@holomind/core';

/** Stable codes for every error `@holomind/tensor-kernels` throws. */
export type TensorKernelsErrorCode =
  | 'UNKNOWN_BACKEND'
  | 'BACKEND_PACKAGE_MISSING'
  | 'BACKEND_UNAVAILABLE'
  | 'NO_BACKEND_AVAILABLE'
  | 'INVALID_ARGUMENT'
  | 'GRADIENTS_MISSING'
  | 'FUSED_KERNEL_UNAVAILABLE';

/** The one error class of @holomind/tensor-kernels: stable `code`, message with the value and the fix. */
export class TensorKernelsError extends HoloMindError<TensorKernelsErrorCode> {
  static override readonly errorName = 'TensorKernelsError';
}
