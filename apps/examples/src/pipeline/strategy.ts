import type { FeatureExtractorOptions, ExtractorFreeze } from '@holomind/network';
import type { Scenario } from '@holomind/data';
import { CliError } from '../errors.js';
import type { HolomindConfig } from '../config/schema.js';

/** What a strategy name means for the network, the memory and EWC. */
export interface StrategyPlan {
  extractor: FeatureExtractorOptions;
  freezeExtractor: ExtractorFreeze;
  /** One column per task (task-incremental) or one shared column (domain-incremental). */
  columnPerTask: boolean;
  memory: boolean;
  ewc: 'separate' | 'online' | undefined;
}

/**
 * Strategy → architecture. `finetune`, `ewc` and `online-ewc` share a trainable extractor (with a
 * frozen head per earlier task in task-IL); `pnn` has no shared trainable part, so earlier tasks
 * cannot change; `holomind` shares an extractor protected by EWC, adds columns and the memory.
 */
export function planStrategy(config: HolomindConfig, scenario: Scenario): StrategyPlan {
  const columnPerTask = scenario === 'task-incremental';
  const mlp: FeatureExtractorOptions = {
    kind: 'mlp',
    hiddenSizes: config.network.extractorHidden,
    activation: config.network.activation,
  };
  const shared = { extractor: mlp, freezeExtractor: 'never' as const, columnPerTask };
  switch (config.strategy) {
    case 'finetune':
      return { ...shared, memory: false, ewc: undefined };
    case 'ewc':
      return { ...shared, memory: false, ewc: 'separate' };
    case 'online-ewc':
      return { ...shared, memory: false, ewc: 'online' };
    case 'holomind':
      return { ...shared, memory: true, ewc: 'separate' };
    case 'pnn':
    case 'pnn-memory':
      if (!columnPerTask) {
        throw new CliError(
          'INVALID_ARGUMENT',
          `Strategy '${config.strategy}' needs the task identity at test time (a column per task), but ${config.benchmark} is ` +
            'domain-incremental. Use it with split-mnist or split-fashion-mnist, or choose finetune, ewc, online-ewc or holomind.',
        );
      }
      return {
        extractor: { kind: 'none' },
        freezeExtractor: 'after-first-task',
        columnPerTask,
        memory: config.strategy === 'pnn-memory',
        ewc: undefined,
      };
  }
}
