import * as tf from '@tensorflow/tfjs-core';
import type { BenchmarkTask } from '@holomind/data';
import { memoryHealth, type MemoryHealth } from '@holomind/monitoring';
import type { StepInfo } from '@holomind/network';
import { addMany, cacheVariablesOnHost } from '@holomind/tensor-kernels';
import { columnFor } from './build-model.js';
import type { RunSession } from './open-run.js';
import type { Classify } from './task-data.js';
import type { ComposedStrategy } from '../strategies/compose.js';

/** Health as a number for charts and TensorBoard: green 0, yellow 1, red 2. */
export const HEALTH_LEVEL = { green: 0, yellow: 1, red: 2 } as const;

/**
 * What one task's training reports to monitoring, called from the training loop: `onStep` after
 * every optimizer step, `onGradients` before it, `endEpoch` after each epoch. Every call advances
 * or reads the run's optimizer-step counter (see steps.ts for the scheme).
 */
export interface TaskMonitor {
  onStep(step: StepInfo): Promise<void>;
  onGradients(gradients: tf.NamedTensorMap, sessionStep: number): void;
  /** Evaluates every task seen so far (always at an epoch's end) and logs where step and epoch meet. */
  endEpoch(epochStep: number): Promise<void>;
  /** Logs the episodic memories' per-class counts after the strategy's after-task write, at the task's last step. */
  afterTask(): void;
}

/** First `samples` test (or validation) examples of a task: the fixed held-out subset evaluated during training. */
function heldOutSubset(task: BenchmarkTask, split: 'test' | 'val', samples: number): { inputs: tf.Tensor2D; labels: Int32Array } {
  const data = task[split];
  const total = data.labels.length;
  const count = Math.min(samples, total);
  const width = data.features.length / total;
  return {
    inputs: tf.tensor2d(data.features.subarray(0, count * width), [count, width]),
    labels: data.labels.subarray(0, count),
  };
}

/** Accuracy on a held-out subset, with the run's classifier. */
async function subsetAccuracy(
  subset: { inputs: tf.Tensor2D; labels: Int32Array },
  classify: Classify,
  session: RunSession,
  column: string,
): Promise<number> {
  const predicted = await classify(session.network, subset.inputs, column);
  const values = await predicted.data();
  predicted.dispose();
  let correct = 0;
  for (let i = 0; i < subset.labels.length; i++) if (values[i] === subset.labels[i]) correct++;
  return subset.labels.length === 0 ? 0 : correct / subset.labels.length;
}

/** Sum of squares of every gradient, square-rooted: the global L2 norm, as a scalar read later (no wait on the hot path). */
function globalNorm(gradients: tf.NamedTensorMap): tf.Scalar {
  // addMany: WebGPU's addN fails past 7 inputs, and a task-IL column has more variables.
  return tf.tidy(() => tf.sqrt(addMany(Object.values(gradients).map((gradient) => tf.sum(tf.square(gradient))))) as tf.Scalar);
}

/** Stored examples per class of each strategy part with an episodic memory, as metrics (`strategy/<part>/class_count/<label>`). */
export function classCountMetrics(strategy: Pick<ComposedStrategy, 'classCounts'>): Record<string, number> {
  const metrics: Record<string, number> = {};
  for (const [part, counts] of Object.entries(strategy.classCounts()))
    counts.forEach((count, label) => (metrics[`strategy/${part}/class_count/${label}`] = count));
  return metrics;
}

/**
 * The monitor of task `taskIndex`'s training: per-step losses (total, task loss, the strategy's
 * extra term), learning rate, gradient norm, resources and memory statistics every
 * `monitoring.stepEvery` steps; weight and gradient histograms every `histogramEvery`; the accuracy
 * of every task seen so far on its fixed held-out subset every `evaluateEvery` steps and at each
 * epoch's end. All at the run's optimizer step.
 */
export function taskMonitor(session: RunSession, taskIndex: number): TaskMonitor {
  const { config, monitoring, network, plan, tasks, strategy } = session;
  const { stepEvery, evaluateEvery, evaluationSamples, histogramEvery } = config.monitoring;
  const split = config.training.evaluateOn === 'validation' ? 'val' : 'test';
  const classify: Classify = strategy.classify.bind(strategy);
  const learningRate = config.training.learningRate;
  const { tracker, tensorboard } = monitoring;
  let gradientNorm: tf.Scalar | undefined;
  const timed = monitoring.timed;

  const evaluateSeen = async () => {
    const step = monitoring.globalStep;
    for (let j = 0; j <= Math.min(taskIndex, tasks.length - 1); j++) {
      let subset = monitoring.heldOut.get(j);
      if (!subset) monitoring.heldOut.set(j, (subset = heldOutSubset(tasks[j]!, split, evaluationSamples)));
      const started = performance.now();
      const accuracy = await subsetAccuracy(subset, classify, session, columnFor(plan, j));
      monitoring.addHookTime('evaluation', started);
      tracker.log({ task_accuracy: accuracy }, { taskId: `task-${j}`, step });
    }
  };

  // Weights and gradients of a histogram step, copied in onGradients (whose tensors the optimizer
  // then consumes) and read back asynchronously in the step's onStep: no synchronous GPU read.
  let histograms: { step: number; tensors: [string, tf.Tensor][] } | undefined;
  const writeHistograms = async () => {
    if (!histograms || !tensorboard) return;
    const { step, tensors } = histograms;
    histograms = undefined;
    const started = performance.now();
    try {
      const values = await Promise.all(tensors.map(([, tensor]) => tensor.data()));
      tensors.forEach(([tag], index) => tensorboard.addHistogram(tag, values[index]!, step));
    } finally {
      tf.dispose(tensors.map(([, tensor]) => tensor));
      monitoring.addHookTime('histograms', started);
    }
  };

  const sampleSystem = async (step: number) => {
    const started = performance.now();
    // memory.stats() reads usage and hits synchronously, which WebGPU in Node cannot: read them first.
    if (network.memory) await cacheVariablesOnHost();
    const sample = monitoring.resources.sample();
    const metrics: Record<string, number> = {
      'system/rss_bytes': sample.rssBytes,
      'system/heap_used_bytes': sample.heapUsedBytes,
      'system/cpu_percent': sample.cpuPercent,
      'tf/num_tensors': sample.tfNumTensors ?? 0,
      'tf/num_bytes': sample.tfNumBytes ?? 0,
    };
    const memory = network.memory;
    if (memory) {
      const stats = memory.stats();
      const health: MemoryHealth = memoryHealth(monitoring.performance.getStats(), stats);
      monitoring.memoryHealth = health;
      Object.assign(metrics, {
        'memory/fill': stats.utilisation,
        'memory/hit_rate': stats.hitRate,
        'memory/evictions': stats.evictions,
        'memory/writes': stats.writes,
        'memory/reads': stats.reads,
        'memory/replacements': stats.replacements,
        'memory/read_ms': health.averageReadSeconds * 1000,
        'memory/write_ms': health.averageWriteSeconds * 1000,
        'memory/health': HEALTH_LEVEL[health.status],
      });
    }
    for (const [name, value] of Object.entries(strategy.metrics())) metrics[`strategy/${name}`] = value;
    Object.assign(metrics, classCountMetrics(strategy));
    tracker.log(metrics, { step });
    monitoring.addHookTime('resources', started);
  };

  return {
    onGradients(gradients, sessionStep) {
      void sessionStep;
      const step = monitoring.globalStep + 1; // the step these gradients make
      if (step % stepEvery === 0) timed('gradient_norm', () => (gradientNorm = globalNorm(gradients)));
      if (tensorboard && step % histogramEvery === 0) {
        timed('histograms', () => {
          tf.dispose(histograms?.tensors.map(([, tensor]) => tensor));
          histograms = {
            step,
            tensors: [
              ...Object.entries(gradients).map(([name, gradient]): [string, tf.Tensor] => [
                `gradients/${name}`,
                tf.clone(gradient),
              ]),
              ...network
                .trainableVariables()
                .map((variable): [string, tf.Tensor] => [`weights/${variable.name}`, tf.clone(variable)]),
            ],
          };
        });
      }
    },
    async onStep(info) {
      const step = ++monitoring.globalStep;
      if (step % stepEvery === 0) {
        // Async reads: the losses' values are already on the CPU (StepInfo), the norm and terms are
        // read without a synchronous wait.
        const started = performance.now();
        const [norm, terms] = await Promise.all([gradientNorm?.data(), strategy.takeTerms()]);
        gradientNorm?.dispose();
        gradientNorm = undefined;
        const metrics: Record<string, number> = {
          'train/loss': info.loss,
          'train/task_loss': info.dataLoss,
          'train/penalty': info.loss - info.dataLoss,
          'train/learning_rate': learningRate,
          'train/batch_size': info.batchSize,
        };
        for (const [part, value] of Object.entries(terms)) metrics[`train/term/${part}`] = value;
        if (norm) metrics['train/gradient_norm'] = norm[0]!;
        tracker.log(metrics, { step });
        monitoring.addHookTime('losses', started);
        await sampleSystem(step);
      }
      await writeHistograms();
      if (evaluateEvery > 0 && step % evaluateEvery === 0) await evaluateSeen();
    },
    async endEpoch(epochStep) {
      const step = monitoring.globalStep;
      gradientNorm?.dispose();
      gradientNorm = undefined;
      await writeHistograms();
      if (evaluateEvery === 0 || step % evaluateEvery !== 0) await evaluateSeen();
      // Where the two step scales meet: this epoch (epoch step) ended at this optimizer step.
      tracker.log({ 'progress/optimizer_step': step }, { step: epochStep });
      if (step % stepEvery !== 0) await sampleSystem(step);
    },
    afterTask() {
      // The task's own write (the strategy's afterTask) comes after its last step logged the counts.
      tracker.log(classCountMetrics(strategy), { step: monitoring.globalStep });
    },
  };
}
