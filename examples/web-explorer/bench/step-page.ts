// The page of the browser speed bench, bundled by esbuild: the Node bench's
// VAE (784-400-20, Bernoulli, Adam, batch 128) trained in Chromium on the
// backend @elbo/backend-web picks, timed the way packages/vae/bench times Node.
import * as tf from '@tensorflow/tfjs-core';
import { selectBackend, type SelectBackendOptions } from '@elbo/backend-web';
import { adam } from '@elbo/prob';
import { VAE, convDecoder, convEncoder, mlp } from '@elbo/vae';
import { loadDigits } from '../src/digits';

export interface BrowserStepResult {
  backend: string;
  reason: string;
  /** Median ms between consecutive batches of a fit over copies of one batch (the first 10 left out). */
  stepMs: number;
  /** Samples per second of a whole 2-epoch fit over the training digits (shuffled minibatches). */
  fitSamplesPerSecond: number;
  /** Mean loss of the last epoch of that fit, to show it trained. */
  lastLoss: number;
}

const median = (values: number[]): number => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;

export async function benchStep(options: SelectBackendOptions, steps: number): Promise<BrowserStepResult> {
  const selection = await selectBackend(options);
  tf.enableProdMode();
  const digits = await loadDigits('/');
  const train = tf.tensor2d(digits.train, [digits.nTrain, 784]);
  const batch = tf.slice(train, [0, 0], [128, 784]);
  const vae = new VAE({
    encoder: mlp([784, 400, 40], { seed: 0 }),
    decoder: mlp([20, 400, 784], { seed: 3 }),
    latentDim: 20,
    likelihood: 'bernoulli',
  });
  const optimizer = adam(1e-3, 0.9, 0.999, 1e-8);
  const stamps: number[] = [];
  await vae.fit(
    Array.from({ length: steps }, () => batch),
    { optimizer, callbacks: { onBatchEnd: () => void stamps.push(performance.now()) } },
  );
  const skip = Math.min(10, steps - 2);
  const stepMs = median(stamps.slice(skip + 1).map((t, i) => t - stamps[skip + i]!));
  const start = performance.now();
  const history = await vae.fit(train, { epochs: 2, batchSize: 128, seed: 0, optimizer });
  const fitSamplesPerSecond = (2 * digits.nTrain) / ((performance.now() - start) / 1000);
  tf.dispose([train, batch]);
  optimizer.dispose();
  vae.dispose();
  return { backend: selection.name, reason: selection.reason, stepMs, fitSamplesPerSecond, lastLoss: history.history.loss!.at(-1)! };
}

/**
 * Median ms of one training step of the convolutional VAE (the Keras example's layers, latent 16,
 * Adam, batch 128 of 28 x 28 x 1 digits): the model of ../shared/anchors/ref_torch_convvae.py.
 */
export async function benchConvStep(options: SelectBackendOptions, steps: number): Promise<{ stepMs: number; reason: string }> {
  const selection = await selectBackend(options);
  tf.enableProdMode();
  const digits = await loadDigits('/');
  const batch = tf.tensor4d(digits.train.subarray(0, 128 * 784), [128, 28, 28, 1]);
  const vae = new VAE({
    encoder: convEncoder({ inputShape: [28, 28, 1], outputDim: 32, seed: 0 }),
    decoder: convDecoder({ inputDim: 16, outputShape: [28, 28, 1], seed: 1 }),
    likelihood: 'bernoulli',
  });
  const optimizer = adam(1e-3, 0.9, 0.999, 1e-8);
  const stamps: number[] = [];
  await vae.fit(
    Array.from({ length: steps }, () => batch),
    { optimizer, callbacks: { onBatchEnd: () => void stamps.push(performance.now()) } },
  );
  const skip = Math.min(3, steps - 2);
  const stepMs = median(stamps.slice(skip + 1).map((t, i) => t - stamps[skip + i]!));
  tf.dispose(batch);
  optimizer.dispose();
  vae.dispose();
  return { stepMs, reason: selection.reason };
}

(globalThis as { benchStep?: typeof benchStep }).benchStep = benchStep;
(globalThis as { benchConvStep?: typeof benchConvStep }).benchConvStep = benchConvStep;
