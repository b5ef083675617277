/**
 * The floor under what the external memory's read adds to a training step: the matrix products it
 * adds, timed alone at the step's shapes. Everything else the read costs (kernel calls, element-wise
 * passes, the write, the layout rebuilt after it) comes on top, so when these products alone are close
 * to 15% of a plain step no work on the rest can bring the read under that line.
 *
 * Each product gets a right operand it has never seen, as in training, where operands are new at
 * every step (weights move, the memory is written, activations are new): tfjs-backend-wasm then
 * creates an XNNPACK operator and packs that operand, ~25 µs for a [32, 256] one on this VM, as
 * in the step. A frozen column's weights are the same tensors at every step, packed once: those
 * products reuse their right operand. Products are timed as [m, k] · [k, n]; the step computes some
 * of them transposed (tensor-kernels' transposedProduct, productWithTransposed), which adds
 * transposes, not arithmetic.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { ProgressiveNetwork } from '@holomind/network';

/** [m, k] · [k, n]; `kept`: the right operand is the same tensor at every step (a frozen column's weights). */
type Product = readonly [m: number, k: number, n: number, kept?: 'kept'];

/** The products a step gains with the read (`added`) and the ones they replace (`removed`). */
interface ReadProducts {
  added: Product[];
  removed: Product[];
}

/**
 * The read's products in one training step of `network`'s newest column at `batch` rows: each column
 * reads the memory in its forward (earlier, frozen columns too: their activations feed the newest
 * column's lateral adapters); only the newest one takes the backward.
 */
export function readProducts(network: ProgressiveNetwork, batch: number): ReadProducts {
  const memory = network.memory;
  if (!memory) throw new Error('readProducts: the network has no memory attached; bench a row with holomind.memoryRead.');
  const { slots, heads, keySize, valueSize } = memory.options;
  const [query, read] = [memory.queryWidth, memory.valueWidth];
  const products: ReadProducts = { added: [], removed: [] };
  const perHead = (product: Product) => Array.from({ length: heads }, () => product);
  // The extractor's output needs a gradient when the extractor trains (class-IL holomind), not when
  // the columns read the input itself (task-IL holomind, no extractor).
  const featuresNeedGradient = network.extractor.variables().length > 0 && !network.extractor.frozen;
  network.columns.forEach((column, index) => {
    const features = column.featureSize;
    const hidden = column.layers[0]!.outputSize;
    const frozen = index < network.columns.length - 1;
    const weights = frozen ? (['kept'] as const) : ([] as const);
    // Forward: the query, the scores and the weighted values per head, the first layer over the read too.
    products.added.push(
      [batch, features, query, ...weights],
      ...perHead([batch, keySize, slots]),
      ...perHead([batch, slots, valueSize]),
      [batch, features + read, hidden, ...weights],
    );
    products.removed.push([batch, features, hidden, ...weights]);
    if (frozen) return;
    // Backward of the newest column: the query's weight and bias gradients, the read's own gradient per
    // head (through the values, then the keys), the first layer's weight gradient over the read's rows.
    products.added.push(
      [features, batch, query],
      [1, batch, query],
      ...perHead([batch, valueSize, slots]),
      ...perHead([batch, slots, keySize]),
      [features + read, batch, hidden],
    );
    products.removed.push([features, batch, hidden]);
    if (featuresNeedGradient) {
      // The first layer's input gradient over the read's columns too, and the query's share of the features' gradient.
      products.added.push([batch, hidden, features + read], [batch, query, features]);
      products.removed.push([batch, hidden, features]);
    } else {
      products.added.push([batch, hidden, read]); // the read's gradient alone
    }
  });
  return products;
}

// Median ms of one product, with a new right operand each call unless it is kept; the operands are
// made before the clock starts.
function productMs([m, k, n, kept]: Product, calls: number, rounds: number): number {
  const left = tf.randomNormal([m, k]);
  const keptRight = kept ? tf.randomNormal([k, n]) : undefined;
  if (keptRight) tf.matMul(left, keptRight).dispose(); // packed once, as a frozen weight is
  const perRound: number[] = [];
  try {
    for (let round = 0; round < rounds; round++) {
      const rights = Array.from({ length: calls }, () => keptRight ?? tf.randomNormal([k, n]));
      const start = performance.now();
      for (const right of rights) {
        tf.matMul(left, right).dispose();
        if (right !== keptRight) right.dispose();
      }
      perRound.push((performance.now() - start) / calls);
    }
  } finally {
    tf.dispose([left, keptRight]);
  }
  perRound.sort((a, b) => a - b);
  return perRound[perRound.length >> 1]!;
}

/** ms a step the read's products add: the added products' medians minus the removed ones'. */
export function readProductsMs({ added, removed }: ReadProducts, calls = 30, rounds = 5): number {
  const total = (products: Product[]) => products.reduce((sum, product) => sum + productMs(product, calls, rounds), 0);
  productMs([8, 8, 8], calls, 1); // warm-up
  return total(added) - total(removed);
}
