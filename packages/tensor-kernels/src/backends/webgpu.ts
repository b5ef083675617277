import * as tf from '@tensorflow/tfjs-core';
import { TensorKernelsError } from '../errors.js';
import { activateTfBackend } from './activate.js';
import type { AdapterDescription, BackendLoader } from './backend-info.js';
import { importBackendPackage } from './backend-package.js';

interface DawnModule {
  create(flags: string[]): GPU;
  globals: Record<string, unknown>;
}

// Limits worth knowing when choosing tile sizes; copied by name because Dawn exposes them as
// prototype getters that `Object.keys` does not see.
const REPORTED_LIMITS = [
  'maxComputeWorkgroupStorageSize',
  'maxComputeInvocationsPerWorkgroup',
  'maxComputeWorkgroupSizeX',
  'maxComputeWorkgroupSizeY',
  'maxComputeWorkgroupsPerDimension',
  'maxStorageBufferBindingSize',
  'maxBufferSize',
  'maxStorageBuffersPerShaderStage',
] as const;

/** Adapter descriptions of WebGPU implementations that run on the CPU. */
export const SOFTWARE_ADAPTER = /software|llvmpipe|lavapipe|swiftshader|warp|microsoft basic render/i;

// The Dawn instance must outlive every device made from it: if it is garbage-collected while a
// device lives, Dawn crashes the process. We keep it here (and as navigator.gpu) until release().
let dawnGpu: GPU | undefined;

async function navigatorGpu(): Promise<GPU> {
  const existing = (globalThis as { navigator?: { gpu?: GPU } }).navigator?.gpu;
  if (existing) return existing;
  const dawn = await importBackendPackage<DawnModule>('webgpu', 'webgpu');
  Object.assign(globalThis, dawn.globals);
  dawnGpu = dawn.create([]);
  // Node 21+ has a global navigator without `gpu`; Node 20 has none at all.
  if (typeof (globalThis as { navigator?: unknown }).navigator !== 'object') {
    Object.defineProperty(globalThis, 'navigator', { value: {}, configurable: true, writable: true });
  }
  Object.defineProperty((globalThis as unknown as { navigator: object }).navigator, 'gpu', {
    value: dawnGpu,
    configurable: true,
    writable: true,
  });
  return dawnGpu;
}

function describeAdapter(adapter: GPUAdapter): { description: AdapterDescription; isSoftware: boolean } {
  const info = adapter.info as GPUAdapterInfo & { isFallbackAdapter?: boolean };
  const description: AdapterDescription = {
    vendor: info.vendor ?? '',
    architecture: info.architecture ?? '',
    device: info.device ?? '',
    description: info.description ?? '',
  };
  const isFallback = info.isFallbackAdapter === true || (adapter as { isFallbackAdapter?: boolean }).isFallbackAdapter === true;
  const text = `${description.architecture} ${description.device} ${description.description}`;
  return { description, isSoftware: isFallback || SOFTWARE_ADAPTER.test(text) };
}

function noAdapterMessage(): string {
  const onLinux = typeof process !== 'undefined' && process.platform === 'linux';
  return (
    'No WebGPU adapter was found (navigator.gpu.requestAdapter() returned null).' +
    (onLinux
      ? ' On Linux without a GPU, install a software Vulkan driver: in a HoloMind checkout run ' +
        '`eval "$(pnpm -s setup:webgpu)"` (Mesa 25 lavapipe), or point VK_DRIVER_FILES at a Mesa >= 24 lavapipe ICD.'
      : ' Use a browser or runtime with WebGPU enabled, or choose the wasm backend.')
  );
}

/** WebGPU: `navigator.gpu` in a browser, Dawn through the `webgpu` package in Node. */
export const webgpuLoader: BackendLoader = {
  name: 'webgpu',
  async load() {
    const gpu = await navigatorGpu();
    const adapter = await gpu.requestAdapter();
    if (!adapter) throw new TensorKernelsError('BACKEND_UNAVAILABLE', noAdapterMessage());
    const { description, isSoftware } = describeAdapter(adapter);
    // tfjs-backend-webgpu checks navigator.gpu when it is imported, so it is imported only now.
    await importBackendPackage('@tensorflow/tfjs-backend-webgpu', 'webgpu');
    await activateTfBackend('webgpu', 'webgpu');
    const device = (tf.backend() as unknown as { device: GPUDevice }).device;
    const limits: Record<string, number> = {};
    for (const key of REPORTED_LIMITS) {
      const value = (device.limits as unknown as Record<string, number | undefined>)[key];
      if (typeof value === 'number') limits[key] = value;
    }
    return {
      name: 'webgpu',
      tfBackendName: 'webgpu',
      isSoftware,
      adapter: description,
      features: [...device.features].map(String).sort(),
      limits,
    };
  },
  release() {
    // Only drop what we created; a browser's navigator.gpu is not ours.
    if (dawnGpu) {
      delete (globalThis as { navigator?: { gpu?: GPU } }).navigator?.gpu;
      dawnGpu = undefined;
    }
  },
};
