import { describeValue, optionValidators } from '@holomind/core';
import { MemoryError } from '../errors.js';

/**
 * How an {@link EpisodicMemory} chooses what to keep once it is full:
 * - `reservoir`: every example offered so far has the same chance to be stored (Vitter's
 *   Algorithm R), as in experience replay (Chaudhry et al. 2019) and DER (Buzzega et al. 2020);
 * - `class-balanced`: each class seen so far gets an equal share of the budget, filled by a
 *   reservoir over that class's examples (class-balanced reservoir, Chrysakis & Moens 2020);
 * - `importance`: equal shares per class, keeping each class's most important examples (the
 *   writer's importance, e.g. the per-example loss or gradient norm);
 * - `herding`: equal shares per class, chosen by iCaRL's herding over feature vectors; a class
 *   shrinks by dropping its last-chosen exemplars.
 */
export type EpisodicWritePolicy = 'reservoir' | 'class-balanced' | 'importance' | 'herding';

/** Every write policy, in the order the docs list them. */
export const EPISODIC_WRITE_POLICIES: readonly EpisodicWritePolicy[] = ['reservoir', 'class-balanced', 'importance', 'herding'];

/** Options of {@link EpisodicMemory}. */
export interface EpisodicMemoryOptions {
  /** Examples stored in all (not per class). Must be at least `classCount`. */
  budget: number;
  /** Values per stored input (a flattened image, or an extractor's feature vector). */
  inputSize: number;
  /** Labels are class indices in [0, classCount). */
  classCount: number;
  /** Values of the model's output stored with each example (DER's logits); 0 stores none. Default 0. */
  logitSize?: number;
  /** Default `class-balanced`. */
  policy?: EpisodicWritePolicy;
  /** Seed of the generator behind reservoir choices and replay sampling. Default 0. */
  seed?: number;
}

/** {@link EpisodicMemoryOptions} with every default filled in. */
export type ResolvedEpisodicOptions = Required<EpisodicMemoryOptions>;

const check = optionValidators((message) => new MemoryError('INVALID_OPTION', message));

/** Fills defaults and checks every option; errors name the option and the fix. */
export function resolveEpisodicOptions(options: EpisodicMemoryOptions): ResolvedEpisodicOptions {
  if (typeof options !== 'object' || options === null) {
    throw new MemoryError(
      'INVALID_OPTION',
      'EpisodicMemory needs options such as { budget: 500, inputSize: 784, classCount: 10 }.',
    );
  }
  const classCount = check.positiveInteger('classCount', options.classCount);
  const budget = options.budget;
  if (typeof budget !== 'number' || !Number.isInteger(budget) || budget < classCount) {
    throw new MemoryError(
      'BUDGET_TOO_SMALL',
      `budget must be an integer of at least classCount (${classCount}) so every class can keep an example, got ${describeValue(budget)}; ` +
        `raise the budget (e.g. ${Math.max(classCount * 50, 500)}) or replay without an episodic memory.`,
    );
  }
  const policy = options.policy ?? 'class-balanced';
  if (!EPISODIC_WRITE_POLICIES.includes(policy)) {
    throw new MemoryError(
      'UNKNOWN_WRITE_POLICY',
      `policy ${describeValue(policy)} is not a write policy; use one of ${EPISODIC_WRITE_POLICIES.map((name) => `'${name}'`).join(', ')}.`,
    );
  }
  return {
    budget,
    inputSize: check.positiveInteger('inputSize', options.inputSize),
    classCount,
    logitSize: check.nonNegativeInteger('logitSize', options.logitSize ?? 0),
    policy,
    seed: check.nonNegativeInteger('seed', options.seed ?? 0),
  };
}
