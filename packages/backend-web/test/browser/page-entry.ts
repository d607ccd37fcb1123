// The test page: bundled by esbuild and run in Chromium. Each scenario
// selects a backend, computes a small matMul with its gradients and a row
// gather there and on cpu, and optionally times one larger matMul step; the
// Node side compares.
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { selectBackend, type BackendSelection, type SelectBackendOptions } from '@elbo/backend-web';

export interface MatMulResult {
  value: number;
  grads: { transposeA: boolean; transposeB: boolean; da: number[]; db: number[] }[];
  /** Rows 5, 0, 5, 11 of a 12 x 20 matrix, `tf.gather` along axis 0 (elbo's block-copying kernel on wasm). */
  gathered: number[];
  /** A stride-2 convolution then a stride-2 transposed one (PyTorch padding, output padding 1): loss and gradients. */
  conv: { value: number; dx: number[]; dFilter: number[]; dFilterTransposed: number[] };
}

export interface ScenarioResult {
  selection: BackendSelection;
  backendAfter: string;
  onSelected: MatMulResult;
  onCpu: MatMulResult;
  /** Median ms of one forward + backward 128x784 @ 784x400 matMul step, when asked for. */
  stepMs?: number;
}

/** Deterministic, well-scaled inputs, independent of any backend's random numbers. */
function filled(shape: [number, number], phase: number): tf.Tensor2D {
  return filledNd(shape, phase) as tf.Tensor2D;
}

function filledNd(shape: number[], phase: number): tf.Tensor {
  const n = shape.reduce((a, b) => a * b, 1);
  return tf.tensor(
    Float32Array.from({ length: n }, (_, i) => Math.sin(0.37 * i + phase)),
    shape,
  );
}

/**
 * sum(c * convT(relu(conv(x, f1)), f2)) and its gradients for x, f1 and f2: on wasm, elbo's
 * Conv2D, Conv2DBackpropInput and Conv2DBackpropFilter (tfjs' wasm backend has no filter gradient).
 */
async function convAndGradients(): Promise<MatMulResult['conv']> {
  const pad: [[number, number], [number, number], [number, number], [number, number]] = [
    [0, 0],
    [1, 1],
    [1, 1],
    [0, 0],
  ];
  const tensors = tf.tidy(() => {
    const x = filledNd([2, 9, 10, 3], 1);
    const f1 = tf.mul(filledNd([3, 3, 3, 4], 2), 0.3);
    const f2 = tf.mul(filledNd([3, 3, 2, 4], 3), 0.3);
    const c = filledNd([2, 10, 10, 2], 4);
    const f = (a: tf.Tensor, b: tf.Tensor, d: tf.Tensor) => {
      const h = tf.relu(tf.conv2d(a as tf.Tensor4D, b as tf.Tensor4D, 2, pad)); // [2, 5, 5, 4]
      return tf.sum(tf.mul(c, tf.conv2dTranspose(h, d as tf.Tensor4D, [2, 10, 10, 2], 2, pad))); // output padding 1 on both axes
    };
    const { value, grads } = tf.valueAndGrads(f)([x, f1, f2]);
    return [value, ...grads];
  });
  const [value, dx, dFilter, dFilterTransposed] = await Promise.all(tensors.map((t) => t.data()));
  tf.dispose(tensors);
  return { value: value![0]!, dx: Array.from(dx!), dFilter: Array.from(dFilter!), dFilterTransposed: Array.from(dFilterTransposed!) };
}

/**
 * sum(c * matMul(a, b, ta, tb)) and its gradients for all four transpose
 * flags, read back asynchronously (WebGPU's synchronous read is unreliable).
 */
async function matMulAndGradients(): Promise<MatMulResult> {
  const flags = [
    [false, false],
    [false, true],
    [true, false],
    [true, true],
  ] as const;
  const tensors = tf.tidy(() => {
    const c = filled([12, 7], 3);
    return flags.map(([transposeA, transposeB]) => {
      const a = filled(transposeA ? [20, 12] : [12, 20], 1);
      const b = filled(transposeB ? [7, 20] : [20, 7], 2);
      const f = (x: tf.Tensor, y: tf.Tensor) => tf.sum(tf.mul(c, tf.matMul(x, y, transposeA, transposeB)));
      const { value, grads } = tf.valueAndGrads(f)([a, b]);
      return [value, grads[0]!, grads[1]!];
    });
  });
  const read = await Promise.all(tensors.map((triple) => Promise.all(triple.map((t) => t.data()))));
  tf.dispose(tensors.flat());
  const rows = tf.tidy(() => tf.gather(filled([12, 20], 6), tf.tensor1d([5, 0, 5, 11], 'int32')));
  const gathered = Array.from(await rows.data());
  rows.dispose();
  return {
    gathered,
    conv: await convAndGradients(),
    value: read[0]![0]![0]!,
    grads: flags.map(([transposeA, transposeB], i) => ({
      transposeA,
      transposeB,
      da: Array.from(read[i]![1]!),
      db: Array.from(read[i]![2]!),
    })),
  };
}

/** Median wall time of a VAE-encoder-sized matMul step: loss = mean((x W)^2), gradient wrt W. */
async function timeStep(repeats: number): Promise<number> {
  const x = filled([128, 784], 4);
  const w = tf.variable(tf.mul(filled([784, 400], 5), 0.05));
  const step = () =>
    tf.tidy(() => {
      const { value, grads } = tf.variableGrads(() => tf.mean(tf.square(tf.matMul(x, w))) as tf.Scalar);
      w.assign(tf.sub(w, tf.mul(grads[w.name]!, 1e-3)));
      return value;
    });
  const run = async () => {
    const value = step();
    await value.data();
    value.dispose();
  };
  await run();
  const times: number[] = [];
  for (let i = 0; i < repeats; i++) {
    const start = performance.now();
    await run();
    times.push(performance.now() - start);
  }
  tf.dispose([x, w]);
  times.sort((p, q) => p - q);
  return times[Math.floor(times.length / 2)]!;
}

export async function runScenario(options: SelectBackendOptions, timing: boolean): Promise<ScenarioResult> {
  const selection = await selectBackend(options);
  const backendAfter = tf.getBackend();
  const onSelected = await matMulAndGradients();
  const stepMs = timing ? await timeStep(5) : undefined;
  await tf.setBackend('cpu');
  const onCpu = await matMulAndGradients();
  await tf.setBackend(selection.name);
  return { selection, backendAfter, onSelected, onCpu, ...(stepMs != null ? { stepMs } : {}) };
}

(globalThis as { runScenario?: typeof runScenario }).runScenario = runScenario;
