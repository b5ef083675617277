import type * as tf from '@tensorflow/tfjs-core';
import { metrics } from '@tensorflow/tfjs-layers';
import { checkOption } from './options.js';

/** A tfjs-layers loss: per-sample values [N] (or a scalar) from targets and predictions. */
export type LossFunction = (yTrue: tf.Tensor, yPred: tf.Tensor) => tf.Tensor;

/** The loss names {@link EwcConsolidator.loss} accepts besides a function, as in `model.compile`. */
export type LossName = 'categoricalCrossentropy' | 'binaryCrossentropy' | 'meanSquaredError' | 'meanAbsoluteError';

// tfjs-layers' own loss functions are not exported; its metrics of the same names are the same functions.
// No sparse categorical loss: model.fit accepts class-index targets only for its own sparse loss,
// recognised by identity, so a wrapped one could never receive them.
const NAMED_LOSSES: Record<LossName, LossFunction> = {
  categoricalCrossentropy: (yTrue, yPred) => metrics.categoricalCrossentropy(yTrue, yPred),
  binaryCrossentropy: (yTrue, yPred) => metrics.binaryCrossentropy(yTrue, yPred),
  meanSquaredError: (yTrue, yPred) => metrics.meanSquaredError(yTrue, yPred),
  meanAbsoluteError: (yTrue, yPred) => metrics.meanAbsoluteError(yTrue, yPred),
};

/** The loss function for a name or function, or an error listing the names. */
export function resolveLoss(loss: LossName | LossFunction): LossFunction {
  if (typeof loss === 'function') return loss;
  return NAMED_LOSSES[checkOption.oneOf('baseLoss', loss, Object.keys(NAMED_LOSSES) as LossName[])];
}
