import type * as tf from '@tensorflow/tfjs-core';
import type { LayersModel, LayerVariable } from '@tensorflow/tfjs-layers';
import { EwcError } from './errors.js';

/** What EWC protects: a tfjs-layers model (all its trainable weights) or a list of variables. */
export type EwcTarget = LayersModel | readonly tf.Variable[];

/** A parameter of the target and the name its Fisher and anchor are stored under. */
export interface NamedParameter {
  name: string;
  variable: tf.Variable;
}

/** Structural check, so a model from a second tfjs-layers copy is still recognised. */
export function isLayersModel(target: unknown): target is LayersModel {
  if (typeof target !== 'object' || target === null || Array.isArray(target)) return false;
  const candidate = target as Partial<LayersModel>;
  return Array.isArray(candidate.layers) && Array.isArray(candidate.trainableWeights) && typeof candidate.apply === 'function';
}

function describeTarget(target: unknown): string {
  if (target === null || target === undefined) return String(target);
  if (Array.isArray(target)) return `an array of ${target.length} items`;
  return typeof target === 'object' ? `an object (${(target as object).constructor?.name ?? 'no class'})` : typeof target;
}

function isVariable(value: unknown): value is tf.Variable {
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as tf.Variable).assign === 'function' &&
    typeof (value as tf.Variable).name === 'string' &&
    Array.isArray((value as tf.Variable).shape)
  );
}

/**
 * A model's weights under `<layer name>/<weight>` (tfjs-layers' originalName), which stays the same
 * when the model is rebuilt, in this process or another; tfjs appends `_1`, `_2` to the variable
 * names of a rebuilt model. Layer names are unique within a model; should two weights still share
 * a name (nested models), they keep their unique variable names.
 */
export function modelParameters(model: LayersModel, which: 'trainable' | 'all'): NamedParameter[] {
  const weights: readonly LayerVariable[] = which === 'trainable' ? model.trainableWeights : model.weights;
  const counts = new Map<string, number>();
  for (const weight of model.weights) counts.set(weight.originalName, (counts.get(weight.originalName) ?? 0) + 1);
  return weights.map((weight) => ({
    name: counts.get(weight.originalName) === 1 ? weight.originalName : weight.name,
    variable: weight.read() as tf.Variable,
  }));
}

function checkVariables(target: readonly unknown[]): NamedParameter[] {
  const seen = new Set<string>();
  return target.map((value, index) => {
    if (!isVariable(value)) {
      throw new EwcError(
        'UNSUPPORTED_TARGET',
        `target[${index}] is not a tf.Variable; pass tf.variable(...)s or a tfjs-layers model.`,
      );
    }
    if (seen.has(value.name)) {
      throw new EwcError(
        'UNSUPPORTED_TARGET',
        `Two target variables are named '${value.name}'; give each tf.variable a unique name.`,
      );
    }
    seen.add(value.name);
    return { name: value.name, variable: value };
  });
}

/** The parameters whose Fisher is computed: a model's trainable weights, or the variables themselves. */
export function trainableParameters(target: EwcTarget): NamedParameter[] {
  if (isLayersModel(target)) return modelParameters(target, 'trainable');
  if (Array.isArray(target)) return checkVariables(target);
  throw new EwcError(
    'UNSUPPORTED_TARGET',
    `target must be a tfjs-layers model or an array of tf.Variable, got ${describeTarget(target)}.`,
  );
}

/**
 * Every parameter of the target by name, for the penalty: a model's trainable AND frozen weights,
 * so freezing a consolidated layer later does not make it "missing".
 */
export function parametersByName(target: EwcTarget): Map<string, tf.Variable> {
  const parameters = isLayersModel(target) ? modelParameters(target, 'all') : trainableParameters(target);
  return new Map(parameters.map(({ name, variable }) => [name, variable]));
}
