/** Stable codes for every error `@holomind/tensor-kernels` throws. */
export type TensorKernelsErrorCode =
  | 'UNKNOWN_BACKEND'
  | 'BACKEND_PACKAGE_MISSING'
  | 'BACKEND_UNAVAILABLE'
  | 'NO_BACKEND_AVAILABLE'
  | 'INVALID_ARGUMENT'
  | 'GRADIENTS_MISSING'
  | 'FUSED_KERNEL_UNAVAILABLE';

const marker = Symbol.for('@holomind/tensor-kernels/error');

/**
 * The one error class of this package. `code` is stable across versions; the message names the
 * offending value and the fix. `isInstance` works across duplicated installs, unlike `instanceof`.
 */
export class TensorKernelsError extends Error {
  readonly [marker] = true;
  override readonly name = 'TensorKernelsError';

  constructor(
    readonly code: TensorKernelsErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }

  static isInstance(error: unknown): error is TensorKernelsError {
    return typeof error === 'object' && error !== null && (error as Record<symbol, unknown>)[marker] === true;
  }
}
