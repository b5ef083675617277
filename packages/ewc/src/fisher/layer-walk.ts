import * as tf from '@tensorflow/tfjs-core';
import type { LayersModel, LayerVariable } from '@tensorflow/tfjs-layers';
import { fisherDiagonal, probeGradients } from '@holomind/tensor-kernels';
import { perSampleNegativeLogLikelihood, type OutputKind } from '../likelihood.js';
import { modelParameters, type NamedParameter } from '../targets.js';
import { accumulate, accumulateAll, disposeSums, perSampleSquaredGradients, type SquaredGradientSums } from './squared-gradients.js';

/** A tfjs-layers layer (the class itself is not exported under a name). */
type Layer = LayersModel['layers'][number];

interface ActivationFunction {
  apply(tensor: tf.Tensor): tf.Tensor;
  getClassName(): string;
}

/**
 * One layer of a sequential-like model, as the walk evaluates it:
 * - `dense`: z = xW + b (+ probe) computed here, then the layer's activation; Fisher in one pass;
 * - `layer`: any other layer with trainable weights, run by tfjs (+ probe on its output); Fisher
 *   from the per-sample fallback;
 * - `plain`: no trainable weights (Flatten, Dropout in inference mode, ...), run by tfjs.
 */
type WalkStep =
  | { kind: 'dense'; layer: Layer; kernel: LayerVariable; bias?: LayerVariable; activation: ActivationFunction; trainable: NamedParameter[]; outputShape: number[] }
  | { kind: 'layer'; layer: Layer; trainable: NamedParameter[]; outputShape: number[] }
  | { kind: 'plain'; layer: Layer };

/** How to evaluate a sequential-like model layer by layer with probes; see {@link planLayerWalk}. */
export interface LayerWalk {
  steps: WalkStep[];
  /** The last step's output (after any skipped final softmax) is of this kind. */
  outputKind: OutputKind;
  /** A final softmax (activation or layer) that the walk leaves out, so the loss uses logSoftmax. */
  skipFinalSoftmax: boolean;
}

function activationOf(layer: Layer): ActivationFunction | undefined {
  const activation = (layer as unknown as { activation?: ActivationFunction }).activation;
  return activation && typeof activation.apply === 'function' && typeof activation.getClassName === 'function' ? activation : undefined;
}

function isInputLayer(layer: Layer): boolean {
  return layer.getClassName() === 'InputLayer';
}

/** The model's non-input layers when they form one chain from its single input to its single output. */
export function chainOfLayers(model: LayersModel): Layer[] | undefined {
  if (model.inputs.length !== 1 || model.outputs.length !== 1) return undefined;
  const layers = model.layers.filter((layer) => !isInputLayer(layer));
  if (layers.length === 0 || model.outputs[0]!.sourceLayer !== layers[layers.length - 1]) return undefined;
  const chained = layers.every((layer, index) => layer.inboundNodes.some((node) => {
    if (node.inboundLayers.length !== 1) return false;
    const previous = node.inboundLayers[0]!;
    return index === 0 ? isInputLayer(previous) : previous === layers[index - 1];
  }));
  return chained ? layers : undefined;
}

/** Whether the model's output layer ends in softmax: its outputs are then probabilities. */
export function endsInSoftmax(model: LayersModel): boolean {
  const last = model.outputs[0]?.sourceLayer;
  return last !== undefined && (last.getClassName() === 'Softmax' || activationOf(last)?.getClassName() === 'softmax');
}

function isSoftmaxOverLastAxis(layer: Layer, inputRank: number): boolean {
  if (layer.getClassName() === 'Softmax') {
    const axis = (layer as unknown as { axis: number | number[] }).axis;
    return axis === -1 || axis === inputRank - 1;
  }
  return layer.getClassName() === 'Activation' && activationOf(layer)?.getClassName() === 'softmax';
}

/**
 * Plans the walk of a sequential-like model: classifies each layer and records its per-sample
 * output shape by running the layers once on `oneSample` [1, ...]. Returns undefined when the
 * model is not a single chain (then the whole-model per-sample route is used instead).
 */
export function planLayerWalk(model: LayersModel, oneSample: tf.Tensor, categorical: boolean): LayerWalk | undefined {
  const layers = chainOfLayers(model);
  if (!layers) return undefined;
  const trainable = new Map(modelParameters(model, 'trainable').map((parameter) => [parameter.variable, parameter]));
  const trainableOf = (layer: Layer): NamedParameter[] => layer.trainableWeights.flatMap((weight) => {
    const parameter = trainable.get(weight.read() as tf.Variable);
    return parameter ? [parameter] : [];
  });

  const steps: WalkStep[] = [];
  let skipFinalSoftmax = false;
  tf.tidy(() => {
    let hidden = oneSample;
    layers.forEach((layer, index) => {
      const isLast = index === layers.length - 1;
      const output = layer.apply(hidden, { training: false }) as tf.Tensor;
      const parameters = trainableOf(layer);
      const activation = activationOf(layer);
      const [kernel, bias] = [layer.weights.find((w) => w.shape.length === 2), layer.weights.find((w) => w.shape.length === 1)];
      if (isLast && categorical && isSoftmaxOverLastAxis(layer, hidden.rank)) skipFinalSoftmax = true;
      if (layer.getClassName() === 'Dense' && hidden.rank === 2 && activation && kernel && parameters.length > 0) {
        if (isLast && categorical && activation.getClassName() === 'softmax') skipFinalSoftmax = true;
        steps.push({ kind: 'dense', layer, kernel, ...(bias ? { bias } : {}), activation, trainable: parameters, outputShape: output.shape.slice(1) });
      } else if (parameters.length > 0) {
        steps.push({ kind: 'layer', layer, trainable: parameters, outputShape: output.shape.slice(1) });
      } else {
        steps.push({ kind: 'plain', layer });
      }
      hidden = output;
    });
  });
  const outputKind: OutputKind = !categorical ? 'mean' : skipFinalSoftmax || !endsInSoftmax(model) ? 'logits' : 'probabilities';
  return { steps, outputKind, skipFinalSoftmax };
}

/**
 * Runs the walk. With `probes` (one per dense/layer step, [N, ...output]) each is added to that
 * step's pre-activation (dense) or output (layer), and each such step's input is pushed, kept, onto `inputsOfSteps`.
 */
export function walkForward(walk: LayerWalk, inputs: tf.Tensor, probes?: tf.Tensor[], inputsOfSteps?: tf.Tensor[]): tf.Tensor {
  let hidden = inputs;
  let probeIndex = 0;
  walk.steps.forEach((step, index) => {
    const isLast = index === walk.steps.length - 1;
    if (step.kind === 'plain') {
      if (!(isLast && walk.skipFinalSoftmax)) hidden = step.layer.apply(hidden, { training: false }) as tf.Tensor;
      return;
    }
    if (probes) inputsOfSteps?.push(tf.keep(hidden));
    const probe = probes?.[probeIndex++];
    if (step.kind === 'layer') {
      const output = step.layer.apply(hidden, { training: false }) as tf.Tensor;
      hidden = probe ? tf.add(output, probe) : output;
      return;
    }
    // [N, in] x [in, out] -> [N, out]; the probe sits where the bias gradient is read.
    let preActivation = tf.matMul(hidden as tf.Tensor2D, step.kernel.read() as tf.Tensor2D) as tf.Tensor;
    if (probe) preActivation = tf.add(preActivation, probe);
    if (step.bias) preActivation = tf.add(preActivation, step.bias.read());
    hidden = isLast && walk.skipFinalSoftmax ? preActivation : step.activation.apply(preActivation);
  });
  return hidden;
}

/**
 * Σ over the batch of every trainable parameter's squared per-sample gradient of −log p(y|x).
 * One backward pass gives each sample's gradient at every probed step (`probeGradients`); dense
 * layers turn it into their exact Fisher with one matmul (`fisherDiagonal`); other layers replay
 * only themselves per sample (`perSampleSquaredGradients`: N × that layer's forward + backward).
 */
export function walkSquaredGradientSums(walk: LayerWalk, inputs: tf.Tensor, targets: tf.Tensor): SquaredGradientSums {
  const samples = inputs.shape[0]!;
  const probed = walk.steps.filter((step) => step.kind !== 'plain');
  const inputsOfSteps: tf.Tensor[] = [];
  const sums: SquaredGradientSums = new Map();
  let gradients: tf.Tensor[] = [];
  try {
    gradients = probeGradients(
      (probes) => tf.sum(perSampleNegativeLogLikelihood(walkForward(walk, inputs, probes, inputsOfSteps), targets, walk.outputKind)),
      probed.map((step) => [samples, ...step.outputShape]),
    );
    probed.forEach((step, index) => {
      const [stepInputs, stepGradients] = [inputsOfSteps[index]!, gradients[index]!];
      if (step.kind === 'dense') {
        const fisher = fisherDiagonal(stepInputs as tf.Tensor2D, stepGradients as tf.Tensor2D);
        // fisherDiagonal returns means over the batch; the caller sums batches, then divides once.
        for (const [weight, mean] of [[step.kernel, fisher.kernel], [step.bias, fisher.bias]] as const) {
          const parameter = weight && step.trainable.find(({ variable }) => variable === weight.read());
          if (parameter) accumulate(sums, parameter.name, tf.mul(mean, samples));
          mean.dispose();
        }
      } else {
        accumulateAll(sums, perSampleSquaredGradients(step.trainable, samples, (sample) => {
          const output = step.layer.apply(tf.slice(stepInputs, sample, 1), { training: false }) as tf.Tensor;
          return tf.sum(tf.mul(output, tf.slice(stepGradients, sample, 1)));
        }));
      }
    });
    return sums;
  } catch (error) {
    disposeSums(sums);
    throw error;
  } finally {
    tf.dispose(gradients);
    tf.dispose(inputsOfSteps.filter((tensor) => tensor !== inputs));
  }
}
