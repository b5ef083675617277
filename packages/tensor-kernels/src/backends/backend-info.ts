/** The backends HoloMind can run on, in the default order of preference. */
export const BACKEND_NAMES = ['webgpu', 'cuda', 'wasm', 'cpu'] as const;

/** One of {@link BACKEND_NAMES}. */
export type BackendName = (typeof BACKEND_NAMES)[number];

/** What the GPU adapter says about itself (WebGPU only). */
export interface AdapterDescription {
  vendor: string;
  architecture: string;
  device: string;
  description: string;
}

/** What {@link initBackend} got. */
export interface BackendInfo {
  /** HoloMind's name for the backend. */
  name: BackendName;
  /** The name TensorFlow.js registered it under (`tensorflow` for `cuda`). */
  tfBackendName: string;
  /** True when the work runs on the CPU: wasm, cpu, or a software WebGPU adapter (lavapipe, SwiftShader, WARP). */
  isSoftware: boolean;
  /** The WebGPU adapter's self-description; undefined for the other backends. */
  adapter?: AdapterDescription;
  /** Device features (WebGPU) or capabilities such as `simd` (wasm). */
  features: string[];
  /** Device limits that matter to kernels, e.g. `maxComputeWorkgroupStorageSize` (WebGPU only). */
  limits: Record<string, number>;
  /**
   * The threads the wasm backend computes with (XNNPACK's pool, the calling thread included): 1 on
   * the single-threaded build. Undefined for the other backends.
   */
  threads?: number;
  /** Why the backends tried before this one failed, in order. */
  skipped: Array<{ name: BackendName; reason: string }>;
}

/** What {@link initBackend} passes to every loader; each reads what concerns it. */
export interface LoaderOptions {
  /** Threads for the wasm backend (resolved from the option, `HOLOMIND_WASM_THREADS` or the default). */
  wasmThreads: number;
}

/** A backend's loader: makes the backend current in TensorFlow.js or throws why it cannot. */
export interface BackendLoader {
  readonly name: BackendName;
  load(options: LoaderOptions): Promise<Omit<BackendInfo, 'skipped'>>;
  /** Releases what `load` acquired beyond the tfjs backend itself (a GPU instance, a device). */
  release?(): void;
}
