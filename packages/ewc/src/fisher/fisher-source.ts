import * as tf from '@tensorflow/tfjs-core';
import type { LayersModel } from '@tensorflow/tfjs-layers';
import { EwcError } from '../errors.js';
import { lossTargets, perSampleNegativeLogLikelihood, sampledTargets, type OutputKind } from '../likelihood.js';
import { checkOption, LIKELIHOODS, type ConsolidateOptions, type Likelihood } from '../options.js';
import { isLayersModel, trainableParameters, type EwcTarget, type NamedParameter } from '../targets.js';
import { endsInSoftmax, finalActivation, planLayerWalk, walkForward, walkSquaredGradientSums } from './layer-walk.js';
import { perSampleSquaredGradients, type SquaredGradientSums } from './squared-gradients.js';

/** A target seen as a differentiable loss per sample; what every Fisher kind is computed from. */
export interface FisherSource {
  readonly parameters: NamedParameter[];
  /** Which route {@link squaredGradientSums} takes, for reports: `one-pass` or `per-sample`. */
  readonly route: 'one-pass' | 'one-pass + per-layer fallback' | 'per-sample';
  /** The labels as the loss consumes them (a new tensor). */
  lossTargets(labels: tf.Tensor): tf.Tensor;
  /** Labels drawn from the model's predictive distribution; undefined when the target has no `predict`. */
  sampleTargets?(inputs: tf.Tensor, seed: number): Promise<tf.Tensor>;
  /** Σ over the batch of each sample's loss, as a scalar built from the parameters. */
  summedLoss(inputs: tf.Tensor, targets: tf.Tensor): tf.Scalar;
  /** Σ over the batch of every parameter's squared per-sample gradient, exact. */
  squaredGradientSums(inputs: tf.Tensor, targets: tf.Tensor): SquaredGradientSums;
}

function perSampleLoop(parameters: NamedParameter[], summedLoss: FisherSource['summedLoss']) {
  return (inputs: tf.Tensor, targets: tf.Tensor): SquaredGradientSums =>
    perSampleSquaredGradients(parameters, inputs.shape[0]!, (sample) =>
      summedLoss(tf.slice(inputs, sample, 1), tf.slice(targets, sample, 1)),
    );
}

function modelSource(model: LayersModel, oneSample: tf.Tensor, likelihood: Likelihood): FisherSource {
  if (model.outputs.length !== 1) {
    throw new EwcError(
      'UNSUPPORTED_TARGET',
      `The model has ${model.outputs.length} outputs; EWC on a model supports one. Pass its variables with a 'loss' instead.`,
    );
  }
  const parameters = trainableParameters(model);
  const categorical = likelihood === 'categorical';
  if (categorical && finalActivation(model) === 'sigmoid') {
    throw new EwcError(
      'UNSUPPORTED_TARGET',
      "The model ends in sigmoid (independent Bernoulli outputs), which the 'categorical' likelihood does not describe; " +
        "end it in softmax, or pass its variables with your own 'loss' (empirical or batched Fisher).",
    );
  }
  const outputShape = (samples: number) => [samples, ...(model.outputs[0]!.shape.slice(1) as number[])];
  const walk = planLayerWalk(model, oneSample, categorical);
  const outputKind: OutputKind = walk?.outputKind ?? (!categorical ? 'mean' : endsInSoftmax(model) ? 'probabilities' : 'logits');
  const outputsOf = (inputs: tf.Tensor) =>
    walk ? walkForward(walk, inputs) : (model.apply(inputs, { training: false }) as tf.Tensor);
  const summedLoss = (inputs: tf.Tensor, targets: tf.Tensor) =>
    tf.tidy(() => tf.sum(perSampleNegativeLogLikelihood(outputsOf(inputs), targets, outputKind)) as tf.Scalar);
  const hasFallbackLayers = walk?.steps.some((step) => step.kind === 'layer') ?? false;
  return {
    parameters,
    route: !walk ? 'per-sample' : hasFallbackLayers ? 'one-pass + per-layer fallback' : 'one-pass',
    lossTargets: (labels) => lossTargets(labels, outputShape(labels.shape[0]!), likelihood),
    sampleTargets: targetSampler(outputsOf, outputKind),
    summedLoss,
    squaredGradientSums: walk
      ? (inputs, targets) => walkSquaredGradientSums(walk, inputs, targets)
      : perSampleLoop(parameters, summedLoss),
  };
}

function variablesSource(
  parameters: NamedParameter[],
  oneSample: tf.Tensor,
  options: ConsolidateOptions,
  likelihood: Likelihood,
): FisherSource {
  const { predict, loss } = options;
  if (predict && loss) {
    throw new EwcError('INVALID_OPTION', "Give either 'predict' or 'loss' for a variables target, not both.");
  }
  if (loss) {
    const summedLoss = (inputs: tf.Tensor, targets: tf.Tensor) =>
      tf.tidy(() => tf.mul(loss(inputs, targets), inputs.shape[0]!) as tf.Scalar);
    return {
      parameters,
      route: 'per-sample',
      lossTargets: (labels) => tf.clone(labels),
      summedLoss,
      squaredGradientSums: perSampleLoop(parameters, summedLoss),
    };
  }
  if (!predict) {
    throw new EwcError(
      'INVALID_OPTION',
      "A variables target needs 'predict' (inputs => logits or means) or 'loss' ((inputs, labels) => mean loss) in the consolidate options.",
    );
  }
  const outputKind: OutputKind = likelihood === 'categorical' ? 'logits' : 'mean';
  const perSampleShape = tf.tidy(() => predict(oneSample).shape.slice(1));
  const summedLoss = (inputs: tf.Tensor, targets: tf.Tensor) =>
    tf.tidy(() => tf.sum(perSampleNegativeLogLikelihood(predict(inputs), targets, outputKind)) as tf.Scalar);
  return {
    parameters,
    route: 'per-sample',
    lossTargets: (labels) => lossTargets(labels, [labels.shape[0]!, ...perSampleShape], likelihood),
    sampleTargets: targetSampler(predict, outputKind),
    summedLoss,
    squaredGradientSums: perSampleLoop(parameters, summedLoss),
  };
}

/** Labels drawn from the outputs `outputsOf` computes for a batch; the outputs are freed after. */
function targetSampler(
  outputsOf: (inputs: tf.Tensor) => tf.Tensor,
  kind: OutputKind,
): (inputs: tf.Tensor, seed: number) => Promise<tf.Tensor> {
  return async (inputs, seed) => {
    const outputs = tf.tidy(() => outputsOf(inputs));
    try {
      return await sampledTargets(outputs, kind, seed);
    } finally {
      outputs.dispose();
    }
  };
}

/**
 * Sees the target as a per-sample loss. Models use their layers (a layer-by-layer walk when they
 * form a chain); variables use the caller's `predict` or `loss`. `oneSample` [1, ...] lets it learn shapes.
 */
export function fisherSource(target: EwcTarget, oneSample: tf.Tensor, options: ConsolidateOptions): FisherSource {
  const likelihood = checkOption.oneOf('likelihood', options.likelihood ?? 'categorical', LIKELIHOODS);
  if (isLayersModel(target)) {
    if (options.predict || options.loss) {
      throw new EwcError(
        'INVALID_OPTION',
        "'predict' and 'loss' are for variables targets; a model supplies its own outputs (choose 'likelihood').",
      );
    }
    return modelSource(target, oneSample, likelihood);
  }
  return variablesSource(trainableParameters(target), oneSample, options, likelihood);
}
