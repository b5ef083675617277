import * as tf from '@tensorflow/tfjs-core';
import type { LayersModel } from '@tensorflow/tfjs-layers';
import { resolveLoss, type LossFunction, type LossName } from './base-loss.js';
import { EwcError } from './errors.js';
import { computeFisher } from './fisher/compute-fisher.js';
import type { FisherResult } from './fisher/compute-fisher.js';
import { checkFinite, maxImportance, normalizeToMaxOne, zeroBelow } from './importance.js';
import {
  resolveEwcOptions,
  type ConsolidateOptions,
  type ConsolidationData,
  type EwcOptions,
  type ResolvedEwcOptions,
} from './options.js';
import {
  buildPenaltyTerms,
  quadraticPenalty,
  disposePenaltyTerms,
  expectShape,
  type AnchoredParameter,
  type Consolidation,
  type PenaltyTerms,
} from './penalty-terms.js';
import { decodeState, encodeState, type EwcState } from './state.js';
import { parametersByName, type EwcTarget } from './targets.js';

/** What {@link EwcConsolidator.consolidate} did. */
export interface ConsolidationSummary {
  taskId: string;
  /** Samples the Fisher averaged over. */
  samples: number;
  fisher: ResolvedEwcOptions['fisher'];
  /** `one-pass` (dense layers), `one-pass + per-layer fallback`, `per-sample` (N backward passes) or `batched`. */
  route: FisherResult['route'];
  /** Largest importance of this task, after `normalize`. */
  maxImportance: number;
  /** Importances set to 0 by `minImportance`. */
  zeroed: number;
  /** Consolidations held now: tasks in `separate` mode, 1 in `online` mode. */
  consolidations: number;
}

/**
 * Elastic Weight Consolidation (Kirkpatrick et al. 2017) for TensorFlow.js: after each task,
 * `consolidate` measures how much each parameter matters (the Fisher diagonal F) and remembers its
 * value θ*; `penalty` then charges λ/2 Σ F (θ − θ*)² for moving it while learning the next task.
 *
 * Owns 2 tensors per consolidated parameter (the folded importances and centres); `dispose()`
 * frees them (the next `penalty` call re-creates them).
 *
 * @example
 * ```ts
 * const ewc = new EwcConsolidator({ lambda: 100 });
 * model.compile({ optimizer: 'adam', loss: ewc.loss(model, 'categoricalCrossentropy') });
 * await model.fit(taskA.inputs, taskA.labels, { epochs: 3 });
 * await ewc.consolidate(model, taskA, { taskId: 'A', samples: 1000 });
 * await model.fit(taskB.inputs, taskB.labels, { epochs: 3 }); // now held near task A's solution
 * ```
 */
export class EwcConsolidator {
  readonly options: ResolvedEwcOptions;
  private consolidations: Consolidation[] = [];
  private terms: PenaltyTerms | undefined;

  constructor(options: EwcOptions) {
    this.options = resolveEwcOptions(options);
  }

  /** Restores a consolidator from {@link EwcConsolidator.toState}'s plain data. */
  static fromState(state: EwcState): EwcConsolidator {
    const { options, consolidations } = decodeState(state);
    const consolidator = new EwcConsolidator(options);
    consolidator.consolidations = consolidations;
    return consolidator;
  }

  /** The task ids consolidated so far, oldest first. */
  get taskIds(): string[] {
    return this.consolidations.flatMap(({ taskIds }) => taskIds);
  }

  /**
   * Computes the Fisher diagonal of `target` on `data` at the current parameters and anchors them.
   * Dense layers of a sequential-like model take one backward pass per `batchSize` samples; other
   * layers with weights add N backward passes of that layer alone; variables targets and
   * non-sequential models take N backward passes of batch 1 (see the README's cost table).
   */
  async consolidate(target: EwcTarget, data: ConsolidationData, options: ConsolidateOptions = {}): Promise<ConsolidationSummary> {
    const taskId = options.taskId ?? `task-${this.taskIds.length + 1}`;
    const result = await computeFisher(target, data, this.options.fisher, options);
    checkFinite(result.fisher);
    const fisher = this.options.normalize ? normalizeToMaxOne(result.fisher) : result.fisher;
    const zeroed = zeroBelow(fisher, this.options.minImportance);
    const parameters = new Map<string, AnchoredParameter>();
    for (const { name, variable } of result.parameters) {
      const anchor = (await variable.data()) as Float32Array;
      parameters.set(name, { name, shape: [...variable.shape], anchor: anchor.slice(), fisher: fisher.get(name)! });
    }
    const fresh: Consolidation = { taskIds: [taskId], samples: result.samples, parameters };
    const next = this.options.mode === 'online' ? [this.mergeOnline(fresh)] : this.withTask(fresh);
    const terms = buildPenaltyTerms(next);
    disposePenaltyTerms(this.terms);
    [this.consolidations, this.terms] = [next, terms];
    return {
      taskId,
      samples: result.samples,
      fisher: this.options.fisher,
      route: result.route,
      maxImportance: maxImportance(fisher),
      zeroed,
      consolidations: next.length,
    };
  }

  // separate: one (θ*, F) per task; consolidating a known task id replaces it.
  private withTask(fresh: Consolidation): Consolidation[] {
    const taskId = fresh.taskIds[0]!;
    const index = this.consolidations.findIndex(({ taskIds }) => taskIds.includes(taskId));
    return index < 0 ? [...this.consolidations, fresh] : this.consolidations.map((old, i) => (i === index ? fresh : old));
  }

  // online (Progress & Compress): F ← γ F + F_new, anchored at the newest parameters only.
  private mergeOnline(fresh: Consolidation): Consolidation {
    const previous = this.consolidations[0];
    if (!previous) return fresh;
    const { gamma } = this.options;
    const parameters = new Map(fresh.parameters);
    for (const [name, old] of previous.parameters) {
      const current = parameters.get(name);
      if (!current) {
        parameters.set(name, { ...old, fisher: old.fisher.map((value) => gamma * value) });
        continue;
      }
      expectShape(name, current.shape, old.shape);
      parameters.set(name, { ...current, fisher: current.fisher.map((value, i) => gamma * old.fisher[i]! + value) });
    }
    const taskIds = [...previous.taskIds.filter((id) => id !== fresh.taskIds[0]), ...fresh.taskIds];
    return { taskIds, samples: previous.samples + fresh.samples, parameters };
  }

  private penaltyTerms(): PenaltyTerms {
    this.terms ??= buildPenaltyTerms(this.consolidations);
    return this.terms;
  }

  /**
   * λ/2 Σ_tasks Σ_i F_i (θ_i − θ*_i)² for the target's current parameters, as a scalar to add to a
   * loss inside `optimizer.minimize` (0 before the first consolidation). Parameters the target has
   * but no consolidation knows (a new head) are free. Costs one fused quadratic per parameter, whatever the task count, recorded as one op whose
   * gradient is the closed form λ Σ F (θ − θ*).
   *
   * @example
   * ```ts
   * optimizer.minimize(() => tf.add(taskLoss(model, batch), ewc.penalty(model)));
   * ```
   */
  penalty(target: EwcTarget): tf.Scalar {
    if (this.consolidations.length === 0) return tf.scalar(0);
    const terms = this.penaltyTerms();
    const variables = parametersByName(target);
    const pairs = [...terms.perParameter].map(([name, term]) => {
      const variable = variables.get(name);
      if (!variable) {
        throw new EwcError(
          'VARIABLE_MISSING',
          `Consolidated variable '${name}' is not in the target (it has ${[...variables.keys()].slice(0, 8).join(', ')}${variables.size > 8 ? ', ...' : ''}); ` +
            'pass the model or variables that were consolidated (name layers explicitly to restore into a rebuilt model).',
        );
      }
      expectShape(name, variable.shape, term.shape);
      return { variable, term };
    });
    return quadraticPenalty(
      pairs.map(({ variable, term }) => ({ variable, importance: term.importance, center: term.center })),
      terms.constant,
      this.options.lambda,
    );
  }

  /**
   * Wraps a loss for `model.compile` so `model.fit` trains with the EWC penalty added: returns
   * `(yTrue, yPred) => baseLoss(yTrue, yPred) + penalty(model)`. `baseLoss` is a function or one of
   * tfjs-layers' loss names. The penalty also shows in `model.evaluate`'s loss.
   *
   * @example
   * ```ts
   * model.compile({ optimizer: 'adam', loss: ewc.loss(model, 'categoricalCrossentropy'), metrics: ['accuracy'] });
   * ```
   */
  loss(model: LayersModel, baseLoss: LossName | LossFunction): LossFunction {
    const base = resolveLoss(baseLoss);
    return (yTrue, yPred) => tf.tidy(() => tf.add(base(yTrue, yPred), this.penalty(model)));
  }

  /** Everything consolidated so far as plain data (JSON meta + named Float32Arrays), for any storage. */
  toState(): EwcState {
    return encodeState(this.options, this.consolidations);
  }

  /** Frees the device tensors this consolidator holds; a later `penalty` call re-creates them. */
  dispose(): void {
    disposePenaltyTerms(this.terms);
    this.terms = undefined;
  }
}
