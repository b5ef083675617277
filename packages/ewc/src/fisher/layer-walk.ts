import * as tf from '@tensorflow/tfjs-core';
import type { LayersModel, LayerVariable } from '@tensorflow/tfjs-layers';
import { probeGradients, transposeMatrix } from '@holomind/tensor-kernels';
import { EwcError } from '../errors.js';
import { perSampleNegativeLogLikelihood, type OutputKind } from '../likelihood.js';
import { modelParameters, type NamedParameter } from '../targets.js';
import { denseSquaredGradientSums, isProbedActivation, matMulForProbes, probedDense } from './dense-fisher.js';
import {
  accumulate,
  accumulateAll,
  disposeSums,
  perSampleSquaredGradients,
  type SquaredGradientSums,
} from './squared-gradients.js';

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
  | {
      kind: 'dense';
      layer: Layer;
      kernel: LayerVariable;
      bias?: LayerVariable;
      activation: ActivationFunction;
      trainable: NamedParameter[];
      outputShape: number[];
    }
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
  return activation && typeof activation.apply === 'function' && typeof activation.getClassName === 'function'
    ? activation
    : undefined;
}

function isInputLayer(layer: Layer): boolean {
  return layer.getClassName() === 'InputLayer';
}

/** The model's non-input layers when they form one chain from its single input to its single output. */
export function chainOfLayers(model: LayersModel): Layer[] | undefined {
  if (model.inputs.length !== 1 || model.outputs.length !== 1) return undefined;
  const layers = model.layers.filter((layer) => !isInputLayer(layer));
  if (layers.length === 0 || model.outputs[0]!.sourceLayer !== layers[layers.length - 1]) return undefined;
  const chained = layers.every((layer, index) =>
    layer.inboundNodes.some((node) => {
      if (node.inboundLayers.length !== 1) return false;
      const previous = node.inboundLayers[0]!;
      return index === 0 ? isInputLayer(previous) : previous === layers[index - 1];
    }),
  );
  return chained ? layers : undefined;
}

/** The activation the model's output layer ends in ('softmax', 'sigmoid', 'linear', ...), if any. */
export function finalActivation(model: LayersModel): string | undefined {
  const last = model.outputs[0]?.sourceLayer;
  if (!last) return undefined;
  return last.getClassName() === 'Softmax' ? 'softmax' : activationOf(last)?.getClassName();
}

/** Whether the model's output layer ends in softmax: its outputs are then probabilities. */
export function endsInSoftmax(model: LayersModel): boolean {
  return finalActivation(model) === 'softmax';
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
  const trainableOf = (layer: Layer): NamedParameter[] =>
    layer.trainableWeights.flatMap((weight) => {
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
        steps.push({
          kind: 'dense',
          layer,
          kernel,
          ...(bias ? { bias } : {}),
          activation,
          trainable: parameters,
          outputShape: output.shape.slice(1),
        });
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

/** What the probe pass adds to {@link walkForward}: one probe per dense/layer step, and where the steps' inputs go. */
interface ProbePass {
  /** [N, ...that step's output], added to its pre-activation (dense) or output (layer). */
  probes: tf.Tensor[];
  /** Filled with each probed step's input, kept. */
  inputsOfSteps: tf.Tensor[];
  /** Wᵀ of each probed dense step whose inputs need a gradient (undefined otherwise), for the backward pass. */
  transposedKernels: (tf.Tensor2D | undefined)[];
}

/** Runs the walk: the model's outputs (logits when a final softmax is skipped), with probes when given. */
export function walkForward(walk: LayerWalk, inputs: tf.Tensor, probePass?: ProbePass): tf.Tensor {
  let hidden = inputs;
  let probeIndex = 0;
  walk.steps.forEach((step, index) => {
    const isLast = index === walk.steps.length - 1;
    if (step.kind === 'plain') {
      if (!(isLast && walk.skipFinalSoftmax)) hidden = step.layer.apply(hidden, { training: false }) as tf.Tensor;
      return;
    }
    const probe = probePass?.probes[probeIndex];
    const kernelTransposed = probePass?.transposedKernels[probeIndex];
    probeIndex++;
    probePass?.inputsOfSteps.push(tf.keep(hidden));
    if (step.kind === 'layer') {
      const output = step.layer.apply(hidden, { training: false }) as tf.Tensor;
      hidden = probe ? tf.add(output, probe) : output;
      return;
    }
    // [N, in] x [in, out] -> [N, out]; the probe sits where the bias gradient is read.
    const kernel = step.kernel.read() as tf.Tensor2D;
    const activation = isLast && walk.skipFinalSoftmax ? 'linear' : step.activation.getClassName();
    if (probe && isProbedActivation(activation)) {
      const bias = step.bias?.read();
      hidden = probedDense(hidden as tf.Tensor2D, probe, {
        kernel,
        activation,
        ...(kernelTransposed ? { kernelTransposed } : {}),
        ...(bias ? { bias } : {}),
      });
      return;
    }
    let preActivation: tf.Tensor = kernelTransposed
      ? matMulForProbes(hidden as tf.Tensor2D, kernel, kernelTransposed)
      : tf.matMul(hidden as tf.Tensor2D, kernel);
    if (probe) preActivation = tf.add(preActivation, probe);
    if (step.bias) preActivation = tf.add(preActivation, step.bias.read());
    hidden = isLast && walk.skipFinalSoftmax ? preActivation : step.activation.apply(preActivation);
  });
  return hidden;
}

// Gradient kernels some backends lack (tfjs-backend-wasm 4.22 has neither), by layer class. A
// backward pass that fails on a missing kernel leaks the tensors tfjs saved for it, so check first.
const GRADIENT_KERNELS: Record<string, string[]> = {
  Conv1D: ['Conv2DBackpropFilter'],
  Conv2D: ['Conv2DBackpropFilter'],
  Conv2DTranspose: ['Conv2DBackpropFilter'],
  Conv3D: ['Conv3DBackpropFilterV2'],
  DepthwiseConv2D: ['DepthwiseConv2dNativeBackpropFilter'],
  SeparableConv2D: ['DepthwiseConv2dNativeBackpropFilter', 'Conv2DBackpropFilter'],
  Embedding: ['UnsortedSegmentSum'],
};

function unsupported(layer: Layer, missing: string, cause?: unknown): EwcError {
  return new EwcError(
    'BACKEND_UNSUPPORTED',
    `The Fisher of layer '${layer.name}' (${layer.getClassName()}) needs gradients the '${tf.getBackend()}' backend lacks ` +
      `(${missing}); consolidate on the cpu or webgpu backend, where TensorFlow.js can also train this layer.`,
    cause === undefined ? undefined : { cause },
  );
}

/** Throws BACKEND_UNSUPPORTED before any work when a known layer's gradient kernels are missing. */
function expectGradientKernels(layer: Layer): void {
  const backend = tf.getBackend();
  const missing = (GRADIENT_KERNELS[layer.getClassName()] ?? []).filter((kernel) => tf.getKernel(kernel, backend) === undefined);
  if (missing.length > 0) throw unsupported(layer, `no '${missing.join("', '")}' kernel`);
}

/** Runs a layer's per-sample fallback, explaining a backend that lacks one of its gradient kernels. */
function withLayerContext<T>(layer: Layer, work: () => T): T {
  try {
    return work();
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    if (!/not registered for backend/.test(message)) throw error;
    throw unsupported(layer, message, error);
  }
}

/**
 * Σ over the batch of every trainable parameter's squared per-sample gradient of −log p(y|x).
 * One backward pass gives each sample's gradient at every probed step (`probeGradients`); dense
 * layers turn it into their exact Fisher with one matmul ({@link denseSquaredGradientSums}); other
 * layers replay only themselves per sample (`perSampleSquaredGradients`: N × that layer's forward + backward).
 */
export function walkSquaredGradientSums(walk: LayerWalk, inputs: tf.Tensor, targets: tf.Tensor): SquaredGradientSums {
  const samples = inputs.shape[0]!;
  const probed = walk.steps.filter((step) => step.kind !== 'plain');
  for (const step of probed) if (step.kind === 'layer') expectGradientKernels(step.layer);
  const inputsOfSteps: tf.Tensor[] = [];
  // Wᵀ for the backward pass through each dense step whose inputs depend on an earlier probe.
  const transposedKernels = probed.map((step, index) =>
    step.kind === 'dense' && index > 0 ? transposeMatrix(step.kernel.read() as tf.Tensor2D) : undefined,
  );
  const sums: SquaredGradientSums = new Map();
  let gradients: tf.Tensor[] = [];
  try {
    gradients = probeGradients(
      (probes) =>
        tf.sum(
          perSampleNegativeLogLikelihood(
            walkForward(walk, inputs, { probes, inputsOfSteps, transposedKernels }),
            targets,
            walk.outputKind,
          ),
        ),
      probed.map((step) => [samples, ...step.outputShape]),
    );
    probed.forEach((step, index) => {
      const [stepInputs, stepGradients] = [inputsOfSteps[index]!, gradients[index]!];
      if (step.kind === 'dense') {
        const fisher = denseSquaredGradientSums(stepInputs as tf.Tensor2D, stepGradients as tf.Tensor2D);
        for (const [weight, sum] of [
          [step.kernel, fisher.kernel],
          [step.bias, fisher.bias],
        ] as const) {
          const parameter = weight && step.trainable.find(({ variable }) => variable === weight.read());
          if (parameter) accumulate(sums, parameter.name, sum);
          else sum.dispose();
        }
      } else {
        accumulateAll(
          sums,
          withLayerContext(step.layer, () =>
            perSampleSquaredGradients(step.trainable, samples, (sample) => {
              const output = step.layer.apply(tf.slice(stepInputs, sample, 1), { training: false }) as tf.Tensor;
              return tf.sum(tf.mul(output, tf.slice(stepGradients, sample, 1)));
            }),
          ),
        );
      }
    });
    return sums;
  } catch (error) {
    disposeSums(sums);
    throw error;
  } finally {
    tf.dispose([...gradients, ...transposedKernels.filter((tensor) => tensor !== undefined)]);
    tf.dispose(inputsOfSteps.filter((tensor) => tensor !== inputs));
  }
}
