import * as tf from '@tensorflow/tfjs-core';
import { describeValue } from '@holomind/core';
import { MemoryError } from '../errors.js';

/**
 * iCaRL's nearest-mean-of-exemplars classifier (Rebuffi et al. 2017): each class is the mean of
 * its exemplars' L2-normalised feature vectors (normalised again), and an input gets the class whose
 * mean is nearest to its own normalised features. It needs no output layer, so it does not inherit
 * the output layer's bias towards the newest classes.
 *
 * @example
 * ```ts
 * const classifier = NearestMeanClassifier.fit(exemplarFeatures, exemplarLabels); // [n, d], [n]
 * const predicted = classifier.predict(testFeatures);                             // [m] int32
 * ```
 */
export class NearestMeanClassifier {
  private constructor(
    /** [classes, d] normalised class means, one row per entry of `classes`. */
    private readonly means: tf.Tensor2D,
    /** The class of each row of `means`, ascending. */
    readonly classes: readonly number[],
  ) {}

  /** Class means of `features` [n, d] grouped by `labels` [n]; classes without an exemplar are left out. */
  static fit(features: tf.Tensor2D, labels: ArrayLike<number>): NearestMeanClassifier {
    const [rows, size] = features.shape;
    if (labels.length !== rows || rows === 0) {
      throw new MemoryError(
        'EPISODE_SHAPE_MISMATCH',
        `NearestMeanClassifier.fit needs one label per feature row: got ${rows} rows and ${describeValue(labels.length)} labels.`,
      );
    }
    const classes = [...new Set(Array.from(labels))].sort((a, b) => a - b);
    const means = tf.tidy(() => {
      const normalised = normaliseRows(features);
      const oneHot = tf.oneHot(
        tf.tensor1d(
          Array.from(labels, (label) => classes.indexOf(label)),
          'int32',
        ),
        classes.length,
      ); // [n, classes]
      const sums = tf.matMul(oneHot, normalised, true, false); // [classes, d]
      return normaliseRows(sums as tf.Tensor2D);
    });
    if (means.shape[1] !== size) throw new MemoryError('EPISODE_SHAPE_MISMATCH', 'Feature size changed while fitting.');
    return new NearestMeanClassifier(means, classes);
  }

  /** The nearest class of each row of `features` [m, d], as class labels [m] int32. */
  predict(features: tf.Tensor2D): tf.Tensor1D {
    return tf.tidy(() => {
      const normalised = normaliseRows(features);
      // For unit vectors, nearest in Euclidean distance = largest dot product.
      const similarity = tf.matMul(normalised, this.means, false, true); // [m, classes]
      const nearest = tf.argMax(similarity, 1);
      return tf.gather(tf.tensor1d(this.classes as number[], 'int32'), nearest) as tf.Tensor1D;
    });
  }

  /** Releases the class means. */
  dispose(): void {
    this.means.dispose();
  }
}

/** Each row divided by its L2 norm (rows of zeros stay zero). */
export function normaliseRows(rows: tf.Tensor2D): tf.Tensor2D {
  return tf.tidy(() => tf.div(rows, tf.maximum(tf.norm(rows, 2, 1, true), 1e-12)) as tf.Tensor2D);
}
