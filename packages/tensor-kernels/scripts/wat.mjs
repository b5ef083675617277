import initWabt from 'wabt';

const FEATURES = { simd: true, threads: true, bulk_memory: true };
const MEMORY_IMPORT = '(import "env" "memory" (memory 1))';

/** The WebAssembly text modules under src/, each compiled to `<name>-wasm.ts` exporting `<constant>_WASM` and `<constant>_SHARED_WASM`. */
export const WAT_MODULES = [
  { wat: 'optimizers/adam-step.wat', constant: 'ADAM_STEP' },
  { wat: 'attention/read-kernels.wat', constant: 'READ_KERNELS' },
];

/** The binary of a WebAssembly text module (SIMD, threads and bulk memory enabled), as wabt writes it. */
export async function compileWat(source, name = 'module.wat') {
  const wabt = await initWabt();
  const module = wabt.parseWat(name, source, FEATURES);
  try {
    module.validate(FEATURES);
    return module.toBinary({ log: false, write_debug_names: false }).buffer;
  } finally {
    module.destroy();
  }
}

/** The module importing shared memory instead (every page a 32-bit heap can have: tfjs's threaded heap may grow to 4 GB). */
export function sharedMemoryVariant(source) {
  if (!source.includes(MEMORY_IMPORT)) throw new Error(`expected the memory import ${MEMORY_IMPORT}`);
  return source.replace(MEMORY_IMPORT, '(import "env" "memory" (memory 1 65536 shared))');
}
