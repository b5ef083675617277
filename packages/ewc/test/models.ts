// Small seeded models and data for the exactness tests.
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { seededValues } from '@holomind/testing';

/** Overwrites every weight of `model` with seeded uniform values in [-scale, scale). */
export function seedWeights(model: tfl.LayersModel, seed: number, scale = 0.6): void {
  model.setWeights(
    model.weights.map((weight, index) =>
      tf.tidy(() =>
        tf.mul(
          tf.tensor(seededValues(weight.shape.reduce((a, b) => a! * b!, 1)!, seed + index), weight.shape as number[]),
          scale,
        ),
      ),
    ),
  );
}

/** A sequential model of `layers` with seeded weights. */
function seededSequential(layers: tfl.layers.Layer[], seed: number): tfl.Sequential {
  const model = tfl.sequential({ layers });
  seedWeights(model, seed);
  return model;
}

/** Dense 8→6 relu → dropout → 6→5 tanh → 5→3 softmax. */
export function denseClassifier(seed: number): tfl.Sequential {
  return seededSequential(
    [
      tfl.layers.dense({ units: 6, inputShape: [8], activation: 'relu' }),
      tfl.layers.dropout({ rate: 0.5 }),
      tfl.layers.dense({ units: 5, activation: 'tanh' }),
      tfl.layers.dense({ units: 3, activation: 'softmax' }),
    ],
    seed,
  );
}

/** Conv2D 3×3×2→3 relu on 6×6×2 images → flatten → dense 4 softmax. */
export function convClassifier(seed: number): tfl.Sequential {
  return seededSequential(
    [
      tfl.layers.conv2d({ inputShape: [6, 6, 2], filters: 3, kernelSize: 3, strides: 1, padding: 'same', activation: 'relu' }),
      tfl.layers.maxPooling2d({ poolSize: 2 }),
      tfl.layers.flatten(),
      tfl.layers.dense({ units: 4, activation: 'softmax' }),
    ],
    seed,
  );
}

/** Embedding of 12 tokens × 4 → flatten → dense 3 (logits). Inputs are [N, 5] token ids. */
export function embeddingClassifier(seed: number): tfl.Sequential {
  return seededSequential(
    [tfl.layers.embedding({ inputDim: 12, outputDim: 4, inputLength: 5 }), tfl.layers.flatten(), tfl.layers.dense({ units: 3 })],
    seed,
  );
}

/** Seeded inputs [samples, ...shape] in [-1, 1) and class indices in [0, classes). */
export function seededData(
  samples: number,
  shape: number[],
  classes: number,
  seed: number,
): { inputs: tf.Tensor; labels: tf.Tensor1D } {
  const size = shape.reduce((a, b) => a * b, 1);
  const inputs = tf.tensor(seededValues(samples * size, seed), [samples, ...shape]);
  const labels = tf.tensor1d(
    Array.from(seededValues(samples, seed + 1), (u) => Math.floor(((u + 1) / 2) * classes)),
    'int32',
  );
  return { inputs, labels };
}

/** Seeded token ids [samples, length] in [0, vocabulary). */
export function seededTokens(samples: number, length: number, vocabulary: number, seed: number): tf.Tensor2D {
  return tf.tensor2d(
    Array.from(seededValues(samples * length, seed), (u) => Math.floor(((u + 1) / 2) * vocabulary)),
    [samples, length],
    'int32',
  );
}
