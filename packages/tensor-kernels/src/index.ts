export { initBackend, disposeBackend, currentBackend, resolveBackendOrder } from './init-backend.js';
export type { InitBackendOptions } from './init-backend.js';
export { BACKEND_NAMES } from './backends/backend-info.js';
export type { AdapterDescription, BackendInfo, BackendName } from './backends/backend-info.js';
export { TensorKernelsError } from './errors.js';
export type { TensorKernelsErrorCode } from './errors.js';
