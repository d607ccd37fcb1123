// The quality target of issue 5: the 784-400-20 autoencoder that PyTorch trains in
// shared/anchors/ref_torch_vae.py (run_ae) reaches the same test BCE here. ~10 epochs x 63
// steps: about half a minute on wasm, many minutes in pure JS, so it runs in the wasm project.
import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { mnist } from '@elbo/datasets';
import { Autoencoder, mlp } from './index';
import { loadReference } from '../../../tooling/testing';

const onWasm = process.env.ELBO_TEST_BACKEND === 'wasm';
if (!onWasm) {
  console.log(
    `quality.test.ts: the 10-epoch MNIST run is skipped on "${process.env.ELBO_TEST_BACKEND}": ` +
      'it takes ~30 s on wasm but many minutes in pure JS; the wasm project runs it (and `pnpm bench` on any backend).',
  );
}

describe('quality against PyTorch (models_mnist.json autoencoder)', () => {
  it.skipIf(!onWasm)(
    '784-400-20 ReLU, Bernoulli, Adam 1e-3, batch 128, 10 epochs: test BCE within 2 nats of PyTorch',
    async () => {
      const reference = loadReference('models_mnist').autoencoder.final_test_bce_per_sample as number;
      const data = await mnist();
      const ae = new Autoencoder({
        encoder: mlp([784, 400, 20], { activation: 'relu', seed: 0 }),
        decoder: mlp([20, 400, 784], { activation: 'relu', seed: 1 }),
        likelihood: 'bernoulli',
      });
      const numTensors = tf.memory().numTensors;
      await ae.fit(data.train.images, { epochs: 10, batchSize: 128, seed: 0 });
      expect(tf.memory().numTensors).toBe(numTensors);
      const { loss, mse } = await ae.evaluate(data.test.images);
      console.log(`quality: test BCE ${loss.toFixed(2)} nats/image (PyTorch ${reference.toFixed(2)}), MSE/pixel ${mse.toFixed(5)}`);
      expect(Math.abs(loss - reference)).toBeLessThan(2);
      ae.dispose();
      data.dispose();
    },
    180_000,
  );
});
