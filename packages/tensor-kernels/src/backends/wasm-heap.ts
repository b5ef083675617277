import * as tf from '@tensorflow/tfjs-core';

/** What a heap kernel reads of tfjs-backend-wasm 4.22's internals (checked before each use). */
interface WasmBackendInternals {
  // The heap: the instance's own memory, or (threaded build) the shared memory the glue created.
  wasm?: { asm?: { memory?: unknown }; wasmMemory?: unknown };
  dataIdMap?: { get(dataId: object): { memoryOffset: number | null } | undefined };
  makeOutput?(shape: number[], dtype: 'float32' | 'int32'): tf.TensorInfo;
}

/** A WebAssembly module that imports tfjs's heap as `env.memory`: its bytes as base64, for a plain and a shared heap. */
export interface HeapModule {
  plain: string;
  /** The same module importing shared memory (the threaded wasm build's heap). */
  shared: string;
}

/**
 * Kernels of our own over tensors on the tfjs-backend-wasm heap, for element-wise chains where each
 * tfjs op would be a kernel call (~5-10 µs inside a training step, however small the tensor) and a
 * pass over memory. Offsets stay valid while the heap grows (its buffer changes, addresses do not).
 */
export interface WasmHeap {
  /** The byte offset of a tensor's values, or undefined when they are not on this heap. */
  offset(tensor: tf.TensorInfo): number | undefined;
  /** A new uninitialised tensor on the heap, for a kernel to fill. */
  output(shape: number[], dtype?: 'float32' | 'int32'): tf.TensorInfo;
  /** A view of a float32 or int32 tensor's values on the heap; valid until the next allocation (the heap may grow). */
  view(tensor: tf.TensorInfo): Float32Array | Int32Array;
  /** The exports of `module` instantiated over this heap (once per heap), or undefined without WebAssembly SIMD. */
  exports(module: HeapModule): WebAssembly.Exports | undefined;
}

// One instance of each module per heap (a backend re-created after disposeBackend has a new one).
const instances = new WeakMap<WebAssembly.Memory, Map<HeapModule, WebAssembly.Exports | null>>();

// One WasmHeap per backend instance (a backend re-created after disposeBackend gets its own).
const heaps = new WeakMap<object, WasmHeap | null>();

/** The wasm backend's heap, or undefined on another backend or where 4.22's internals are not as read here. */
export function wasmHeap(): WasmHeap | undefined {
  if (tf.getBackend() !== 'wasm') return undefined;
  const backend = tf.backend();
  let heap = heaps.get(backend);
  if (heap === undefined) heaps.set(backend, (heap = heapOf(backend as unknown as WasmBackendInternals)));
  return heap ?? undefined;
}

function heapOf(backend: WasmBackendInternals): WasmHeap | null {
  const { dataIdMap, makeOutput } = backend;
  const memory = backend.wasm?.asm?.memory ?? backend.wasm?.wasmMemory;
  if (!dataIdMap || !makeOutput || !(memory instanceof WebAssembly.Memory)) return null;
  return {
    offset: (tensor) => dataIdMap.get(tensor.dataId)?.memoryOffset ?? undefined,
    output: (shape, dtype = 'float32') => makeOutput.call(backend, shape, dtype),
    view: (tensor) => {
      const size = tensor.shape.reduce((product, extent) => product * extent, 1);
      const offset = dataIdMap.get(tensor.dataId)!.memoryOffset!;
      return tensor.dtype === 'int32'
        ? new Int32Array(memory.buffer, offset, size)
        : new Float32Array(memory.buffer, offset, size);
    },
    exports: (module) => instantiate(memory, module),
  };
}

/** The tensor a kernel filled, owned by the caller (tracked by the current tidy scope). */
export function heapTensor<T extends tf.Tensor>(info: tf.TensorInfo): T {
  return tf.engine().makeTensorFromTensorInfo(info) as T;
}

function instantiate(memory: WebAssembly.Memory, module: HeapModule): WebAssembly.Exports | undefined {
  let modules = instances.get(memory);
  if (!modules) instances.set(memory, (modules = new Map()));
  let exports = modules.get(module);
  if (exports === undefined) {
    try {
      // The threaded build's heap is shared memory, which only a module declaring it so may import.
      const shared = typeof SharedArrayBuffer !== 'undefined' && memory.buffer instanceof SharedArrayBuffer;
      const bytes = decodeBase64(shared ? module.shared : module.plain);
      exports = new WebAssembly.Instance(new WebAssembly.Module(bytes), { env: { memory } }).exports;
    } catch {
      exports = null; // no WebAssembly SIMD here: tfjs's ops, from now on
    }
    modules.set(module, exports);
  }
  return exports ?? undefined;
}

function decodeBase64(text: string): Uint8Array<ArrayBuffer> {
  const binary = atob(text);
  const bytes = new Uint8Array(binary.length);
  for (let index = 0; index < binary.length; index++) bytes[index] = binary.charCodeAt(index);
  return bytes;
}
