import type { AdapterDescription } from '@holomind/tensor-kernels';

/** Which tfjs backend the worker runs on, and why when it is not the one asked for. */
export interface BackendReport {
  name: 'webgpu' | 'wasm';
  /** The WebGPU adapter (`GPUAdapter.info`), when WebGPU runs. */
  adapter?: AdapterDescription;
  /** wasm: whether SIMD is on. */
  features: string[];
  /** Shown on the page: why the page fell back to wasm. */
  note?: string;
}

/** What the page reads from its URL: the run's name and sizes (the browser tests shrink them). */
export interface PlaygroundSettings {
  /** Checkpoints are kept per run name. */
  run: string;
  backend: 'auto' | 'webgpu' | 'wasm';
  tasks: number;
  trainPerTask: number;
  testPerTask: number;
  epochs: number;
  /** Tasks to train in this visit before pausing (a reload continues); default all. */
  stopAfter: number;
}

/** One point of a task's accuracy curve: test accuracy on `task` after `step` optimizer steps in all. */
export interface CurvePoint {
  task: number;
  step: number;
  accuracy: number;
}

/** Page → worker. */
export type PageMessage = { type: 'start'; settings: PlaygroundSettings } | { type: 'predict'; pixels: Float32Array };

/** Worker → page. */
export type WorkerMessage =
  | { type: 'backend'; backend: BackendReport }
  | { type: 'status'; text: string }
  | { type: 'resumed'; completedTasks: number; savedAt: string }
  | { type: 'checkpoint-corrupted'; run: string; reason: string }
  | { type: 'checkpoints'; runs: { run: string; completedTasks: number; savedAt: string }[] }
  | { type: 'task-started'; task: number; classes: number[] }
  | { type: 'progress'; task: number; step: number; steps: number; loss: number }
  | { type: 'curve'; points: CurvePoint[] }
  | { type: 'matrix'; matrix: number[][]; averageAccuracy: number; averageForgetting: number | null }
  | { type: 'task-finished'; task: number; seconds: number; checkpointSaved: boolean }
  | { type: 'paused'; completedTasks: number }
  | { type: 'finished'; completedTasks: number }
  | { type: 'prediction'; digit: number; task: number; probabilities: number[]; taskShares: number[] }
  | { type: 'error'; message: string };
