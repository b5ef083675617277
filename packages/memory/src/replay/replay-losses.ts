import * as tf from '@tensorflow/tfjs-core';

/** Mean over rows of −Σ_c onehot(label)_c · log softmax(logits)_c. logits [n, C], labels [n] int32. */
export function crossEntropyOfLabels(logits: tf.Tensor2D, labels: tf.Tensor1D): tf.Scalar {
  return tf.tidy(() => {
    const targets = tf.oneHot(tf.cast(labels, 'int32'), logits.shape[1]);
    return tf.neg(tf.mean(tf.sum(tf.mul(targets, tf.logSoftmax(logits)), 1))) as tf.Scalar;
  });
}

/**
 * Experience replay (Chaudhry et al. 2019, "On Tiny Episodic Memories in Continual Learning"): the
 * cross-entropy of the model on stored examples, added to the current batch's loss.
 */
export function experienceReplayLoss(replayLogits: tf.Tensor2D, replayLabels: tf.Tensor1D): tf.Scalar {
  return crossEntropyOfLabels(replayLogits, replayLabels);
}

/** Weights of the two replay terms of {@link darkExperienceReplayLoss}. */
export interface DarkReplayWeights {
  /** Weight of the logit-matching term (DER's α). Buzzega et al. use 0.1–1.0 on MNIST. */
  alpha: number;
  /** Weight of the replayed labels' cross-entropy (DER++'s β); 0 gives plain DER. */
  beta: number;
}

/**
 * DER++ (Buzzega et al. 2020, "Dark Experience for General Continual Learning"):
 * α · mean squared difference between the model's logits and the logits stored with a first draw of
 * examples, plus β · cross-entropy on a second, independent draw.
 *
 * @param logitsA model logits on the first draw [n, C]; storedLogitsA the logits stored with it [n, C]
 * @param logitsB model logits on the second draw [m, C]; labelsB its labels [m]
 */
export function darkExperienceReplayLoss(
  logitsA: tf.Tensor2D,
  storedLogitsA: tf.Tensor2D,
  logitsB: tf.Tensor2D,
  labelsB: tf.Tensor1D,
  weights: DarkReplayWeights,
): tf.Scalar {
  return tf.tidy(() => {
    const matching = tf.mean(tf.squaredDifference(logitsA, storedLogitsA));
    const replay = weights.beta === 0 ? tf.scalar(0) : crossEntropyOfLabels(logitsB, labelsB);
    return tf.add(tf.mul(weights.alpha, matching), tf.mul(weights.beta, replay));
  });
}

/**
 * Knowledge distillation (Hinton et al. 2015) as Learning without Forgetting (Li & Hoiem 2016) and
 * iCaRL use it: the cross-entropy between the old model's softened outputs and the new model's,
 * T² · mean over rows of −Σ softmax(old/T) · log softmax(new/T). The T² keeps gradient sizes
 * comparable across temperatures.
 *
 * @param logits the model being trained [n, C]; oldLogits the frozen earlier model's [n, C]
 */
export function distillationLoss(logits: tf.Tensor2D, oldLogits: tf.Tensor2D, temperature = 2): tf.Scalar {
  return tf.tidy(() => {
    const teacher = tf.softmax(tf.div(oldLogits, temperature));
    const student = tf.logSoftmax(tf.div(logits, temperature));
    return tf.mul(temperature * temperature, tf.neg(tf.mean(tf.sum(tf.mul(teacher, student), 1))));
  });
}
