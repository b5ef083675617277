import { ExternalMemory } from '@holomind/memory';
import { ProgressiveNetwork } from '@holomind/network';
import type { HolomindConfig } from '../config/schema.js';
import type { StrategyPlan } from './strategy.js';

/** The network column a task trains and is evaluated on: its own in task-IL, one shared otherwise. */
export function columnFor(plan: StrategyPlan, taskIndex: number): string {
  return plan.columnPerTask ? `task-${taskIndex}` : 'shared';
}

/** A fresh progressive network (with external memory when the strategy uses it). */
export function buildNetwork(config: HolomindConfig, plan: StrategyPlan, inputShape: number[]): ProgressiveNetwork {
  const memory = plan.memory
    ? new ExternalMemory({
        slots: config.memory.slots,
        keySize: config.memory.keySize,
        valueSize: config.memory.valueSize,
        heads: config.memory.heads,
        similarity: config.memory.similarity,
        importanceThreshold: config.memory.writeThreshold,
        writePolicy: config.memory.policy,
      })
    : undefined;
  return new ProgressiveNetwork({
    inputShape,
    extractor: plan.extractor,
    freezeExtractor: plan.freezeExtractor,
    column: {
      hiddenSizes: plan.columnHidden ?? config.network.columnHidden,
      activation: config.network.activation,
      dropout: config.network.dropout,
    },
    maxColumns: Math.max(config.network.maxColumns, plan.columnPerTask ? config.training.tasks : 1),
    seed: config.seed,
    memory,
  });
}
