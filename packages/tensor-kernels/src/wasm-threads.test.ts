import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import * as tf from '@tensorflow/tfjs-core';
import { afterEach, describe, expect, it } from 'vitest';
import { disposeBackend, initBackend, resolveWasmThreads } from './init-backend.js';
import { TensorKernelsError } from './errors.js';
import { installedPackage, whyNoNodeThreads } from './backends/wasm.js';

const run = promisify(execFile);
const packageRoot = fileURLToPath(new URL('..', import.meta.url));

afterEach(async () => {
  delete process.env.HOLOMIND_WASM_THREADS;
  await disposeBackend();
});

// An MLP 784-256-256-10 trained as the network package's fused route does: the forward as one
// _FusedMatMul (bias and relu inside), a custom gradient of explicit transposes and plain matMuls,
// softmax cross-entropy, Adam. Batches of 128 give XNNPACK rows to split between threads.
const SIZES = [784, 256, 256, 10];
const BATCH = 128;
const STEPS = 20;

function dense(x: tf.Tensor2D, kernel: tf.Variable, bias: tf.Variable, relu: boolean): tf.Tensor2D {
  const op = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
    const [input, weights, b] = args as [tf.Tensor2D, tf.Tensor2D, tf.Tensor1D];
    const save = args[3] as tf.GradSaveFunc;
    const y = tf.fused.matMul({ a: input, b: weights, bias: b, activation: relu ? 'relu' : 'linear' });
    save([input, weights, y]);
    return {
      value: y,
      gradFunc: (dy: tf.Tensor | tf.Tensor[], saved: tf.Tensor[]) => {
        const [savedInput, savedWeights, output] = saved as [tf.Tensor2D, tf.Tensor2D, tf.Tensor2D];
        const dz = relu ? tf.mul(dy as tf.Tensor2D, tf.step(output)) : (dy as tf.Tensor2D);
        return [
          tf.matMul(dz, tf.transpose(savedWeights)),
          tf.matMul(tf.transpose(savedInput), dz),
          tf.reshape(tf.matMul(tf.ones([1, BATCH]), dz), [dz.shape[1]!]),
        ];
      },
    };
  });
  return op(x, kernel, bias) as tf.Tensor2D;
}

/** Trains STEPS steps from fixed weights and batches; returns the losses and the final weights. */
async function train(threads: number): Promise<{ threads: number; losses: number[]; weights: Float32Array[] }> {
  const info = await initBackend({ backends: 'wasm', threads });
  const before = tf.memory().numTensors;
  const variables = tf.tidy(() =>
    SIZES.slice(1).flatMap((out, layer) => [
      tf.variable(tf.randomNormal([SIZES[layer]!, out], 0, Math.sqrt(2 / SIZES[layer]!), 'float32', 10 + layer)),
      tf.variable(tf.randomUniform([out], -0.1, 0.1, 'float32', 20 + layer)),
    ]),
  );
  const optimizer = tf.train.adam(1e-3);
  const losses: number[] = [];
  for (let step = 0; step < STEPS; step++) {
    const loss = tf.tidy(() => {
      const x = tf.randomUniform([BATCH, SIZES[0]!], 0, 1, 'float32', 100 + step);
      const labels = tf.oneHot(tf.randomUniform([BATCH], 0, 10, 'int32', 200 + step), 10);
      return optimizer.minimize(() => {
        let h = x as tf.Tensor2D;
        for (let layer = 0; layer < SIZES.length - 1; layer++) {
          h = dense(h, variables[2 * layer]!, variables[2 * layer + 1]!, layer < SIZES.length - 2);
        }
        return tf.losses.softmaxCrossEntropy(labels, h) as tf.Scalar;
      }, true)!;
    });
    losses.push((await loss.data())[0]!);
    loss.dispose();
  }
  const weights = await Promise.all(variables.map(async (v) => (await v.data()) as Float32Array));
  optimizer.dispose();
  tf.dispose(variables);
  expect(tf.memory().numTensors).toBe(before);
  await disposeBackend();
  return { threads: info.threads!, losses, weights };
}

function maxRelativeDifference(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let worst = 0;
  for (let i = 0; i < a.length; i++) {
    worst = Math.max(worst, Math.abs(a[i]! - b[i]!) / Math.max(Math.abs(b[i]!), 1e-6));
  }
  return worst;
}

describe('wasm threads', () => {
  it('trains 20 steps on two threads to the losses and weights of one thread', async () => {
    const single = await train(1);
    const threaded = await train(2);
    expect(single.threads).toBe(1);
    // Two threads must really start: the patched tfjs-backend-wasm loads its workers from files.
    expect(threaded.threads).toBe(2);
    expect(maxRelativeDifference(threaded.losses, single.losses)).toBeLessThanOrEqual(1e-5);
    threaded.weights.forEach((weights, index) => {
      expect(maxRelativeDifference(weights, single.weights[index]!)).toBeLessThanOrEqual(1e-5);
    });
    expect(single.losses.at(-1)!).toBeLessThan(single.losses[0]!);
    const identical =
      threaded.losses.every((loss, i) => loss === single.losses[i]) &&
      threaded.weights.every((weights, index) => weights.every((value, i) => value === single.weights[index]![i]));
    console.log(`wasm threads=2 vs threads=1 over ${STEPS} steps: ${identical ? 'bit-identical' : 'equal within 1e-5'}`);
  });

  it('reports the threads in use and refuses to change them while the backend runs', async () => {
    const info = await initBackend({ backends: 'wasm', threads: 2 });
    expect(info).toMatchObject({ name: 'wasm', threads: 2 });
    expect(info.features).toContain('threads');
    expect((await initBackend({ backends: 'wasm' })).threads).toBe(2);
    await expect(initBackend({ backends: 'wasm', threads: 1 })).rejects.toThrow(/threads: 2.*disposeBackend\(\)/);
    await disposeBackend();
    expect(await initBackend({ backends: 'wasm', threads: 1 })).toMatchObject({ threads: 1, features: ['simd'] });
  });

  it('reads HOLOMIND_WASM_THREADS and rejects counts it cannot run, naming the value', () => {
    expect(resolveWasmThreads()).toBe(1);
    process.env.HOLOMIND_WASM_THREADS = '2';
    expect(resolveWasmThreads()).toBe(2);
    expect(resolveWasmThreads({ threads: 1 })).toBe(1);
    process.env.HOLOMIND_WASM_THREADS = 'two';
    expect(() => resolveWasmThreads()).toThrow(/HOLOMIND_WASM_THREADS='two' must be an integer >= 1/);
    for (const threads of [0, 1.5, 9]) {
      let caught: unknown;
      try {
        resolveWasmThreads({ threads });
      } catch (error) {
        caught = error;
      }
      expect(TensorKernelsError.isInstance(caught)).toBe(true);
      expect((caught as TensorKernelsError).code).toBe('INVALID_ARGUMENT');
      expect((caught as Error).message).toContain(String(threads));
    }
  });

  it('asks for threads only from a patched tfjs-backend-wasm, saying why not otherwise', async () => {
    const { nodeBundle } = await installedPackage();
    expect(await whyNoNodeThreads(nodeBundle)).toBeUndefined();
    // The same bundle without the patch: tfjs 4.22 as npm ships it.
    const folder = await mkdtemp(join(tmpdir(), 'holomind-unpatched-'));
    try {
      const unpatched = join(folder, 'tf-backend-wasm.node.js');
      await writeFile(unpatched, (await readFile(nodeBundle, 'utf8')).replaceAll('getNodeThreadScripts', 'blobUrls'));
      expect(await whyNoNodeThreads(unpatched)).toMatch(/is not patched for Node threads.*blob: URLs.*patchedDependencies/);
    } finally {
      await rm(folder, { recursive: true, force: true });
    }
  });

  // The pthread workers must not keep Node alive: a script that never disposes the backend exits.
  it.each([
    ['without disposeBackend', ''],
    ['after disposeBackend', 'await disposeBackend();'],
  ])('lets a Node process on two threads exit on its own %s', async (_name, ending) => {
    const script = [
      "import * as tf from '@tensorflow/tfjs-core';",
      "import { disposeBackend, initBackend } from '@holomind/tensor-kernels';",
      "const info = await initBackend({ backends: 'wasm', threads: 2 });",
      'const a = tf.ones([256, 256]);',
      'const sum = (await tf.sum(tf.matMul(a, a)).data())[0];',
      ending,
      'console.log(JSON.stringify({ threads: info.threads, sum }));',
    ].join('\n');
    const { stdout } = await run(process.execPath, ['--input-type=module', '-e', script], {
      cwd: packageRoot,
      timeout: 60_000,
    });
    expect(JSON.parse(stdout.trim().split('\n').at(-1)!)).toEqual({ threads: 2, sum: 256 ** 3 });
  });
});
