// The page of the browser speed bench, bundled by esbuild: the Node bench's models
// (packages/vae/bench/epochs-child.mjs) trained for whole epochs in Chromium on the backend
// @elbo/backend-web picks, measured by the same measure-fit.mjs and answering the same JSON, so the
// browser is one more side of the method in tooling/bench-method.mjs.
import * as tf from '@tensorflow/tfjs-core';
import { selectBackend, type SelectBackendOptions } from '@elbo/backend-web';
import { adam } from '@elbo/prob';
import { VAE, convDecoder, convEncoder, mlp } from '@elbo/vae';
// @ts-expect-error: a plain ESM script without types
import { measureFit } from '../../../packages/vae/bench/measure-fit.mjs';

/** What one measurement answers: epochs-child.mjs's fields. */
export interface BrowserEpochsResult {
  side: string;
  reason: string;
  epochSeconds: number[];
  fitSeconds: number;
  stepMs: number[];
  testLoss: number;
  iwaeImagesPerSecond?: number;
}

export interface BrowserEpochsSettings {
  model: 'vae' | 'conv';
  epochs: number;
  /** Test digits whose log p(x) (K = 500) is timed; 0 skips it (the VAE only). */
  iwaeImages: number;
}

/** The bench's float32 digits, written beside the page: 784 grey levels in [0, 1] a row. */
async function loadRows(path: string): Promise<Float32Array> {
  const response = await fetch(path);
  if (!response.ok) throw new Error(`${path}: HTTP ${response.status}`);
  return new Float32Array(await response.arrayBuffer());
}

export async function benchEpochs(options: SelectBackendOptions, settings: BrowserEpochsSettings): Promise<BrowserEpochsResult> {
  const selection = await selectBackend(options);
  tf.enableProdMode();
  const [trainRows, testRows] = await Promise.all([loadRows('/train.f32'), loadRows('/test.f32')]);
  const shape = (rows: Float32Array): number[] => (settings.model === 'conv' ? [rows.length / 784, 28, 28, 1] : [rows.length / 784, 784]);
  const train = tf.tensor(trainRows, shape(trainRows));
  const test = tf.tensor(testRows, shape(testRows));
  const vae =
    settings.model === 'conv'
      ? new VAE({
          encoder: convEncoder({ inputShape: [28, 28, 1], outputDim: 32, seed: 0 }),
          decoder: convDecoder({ inputDim: 16, outputShape: [28, 28, 1], seed: 1000 }),
          likelihood: 'bernoulli',
        })
      : new VAE({
          encoder: mlp([784, 400, 40], { seed: 0 }),
          decoder: mlp([20, 400, 784], { seed: 3 }),
          latentDim: 20,
          likelihood: 'bernoulli',
        });
  const optimizer = adam(1e-3, 0.9, 0.999, 1e-8);
  const result = (await measureFit(tf, vae, {
    train,
    test,
    epochs: settings.epochs,
    fitOptions: { batchSize: 128, optimizer },
    iwaeImages: settings.model === 'vae' ? settings.iwaeImages : 0,
    selection,
  })) as BrowserEpochsResult;
  tf.dispose([train, test]);
  optimizer.dispose();
  vae.dispose();
  return result;
}

(globalThis as { benchEpochs?: typeof benchEpochs }).benchEpochs = benchEpochs;
