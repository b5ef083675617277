import type { HolomindConfig } from '../config/schema.js';
import type { BackendInfo } from '@holomind/tensor-kernels';
import type { ContinualBenchmark } from './benchmark.js';
import { summarizeAccuracyMatrix } from './continual-summary.js';
import type { RunSession } from './open-run.js';
import { dataLabel } from './data-label.js';

/** How a run ended. */
export interface RunSummary {
  experimentId: string;
  strategy: HolomindConfig['strategy'];
  /** The benchmark, or `data:<file>` for the user's own data. */
  benchmark: string;
  scenario: ContinualBenchmark['scenario'];
  /** The data the benchmark was cut from. */
  dataSource: string;
  backend: BackendInfo;
  /** Row i: accuracy on tasks 0..i after training task i. */
  matrix: number[][];
  averageAccuracy: number;
  /** Average forgetting (Chaudhry et al. 2018, as in summarizeAccuracyMatrix); null after one task. */
  forgetting: number | null;
  alerts: number;
  tensorboardDir: string;
  seconds: number;
}

/** Closes monitoring (draining alerts before they are counted), marks the experiment completed and sums the run up. */
export async function finishRun(session: RunSession): Promise<RunSummary> {
  await session.monitoring.close();
  const { averageAccuracy, forgetting } = summarizeAccuracyMatrix(session.progress.matrix);
  const summary: RunSummary = {
    experimentId: session.progress.experimentId,
    strategy: session.config.strategy,
    benchmark: dataLabel(session.config),
    scenario: session.benchmark.scenario,
    backend: session.backend,
    matrix: session.progress.matrix,
    averageAccuracy,
    forgetting,
    dataSource: session.benchmark.source,
    alerts: session.alertCount,
    tensorboardDir: session.monitoring.tensorboardDir,
    seconds: (performance.now() - session.startedAt) / 1000,
  };
  await session.experiments.finish(summary.experimentId, {
    metrics: { average_accuracy: averageAccuracy, ...(forgetting === null ? {} : { forgetting }) },
  });
  return summary;
}
