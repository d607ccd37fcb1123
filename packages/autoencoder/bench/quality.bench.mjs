// The issue-5 quality target: the same-sized autoencoder as PyTorch's (784-400-20, ReLU,
// sigmoid/Bernoulli output, Adam 1e-3, batch 128, nn.Linear init, 10 epochs on the 8000-digit
// train split) reaches a test reconstruction BCE within 2 nats of PyTorch's
// (shared/reference/models_mnist.json: autoencoder.final_test_bce_per_sample).
import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { selectBackend } from '@elbo/backend-node';
import { mnist } from '@elbo/datasets';
import { Autoencoder, mlp } from '../dist/index.js';

const here = dirname(fileURLToPath(import.meta.url));
const referenceDir = process.env.ELBO_REFERENCE_DIR ?? resolve(here, '../../../../shared/reference');
const reference = JSON.parse(readFileSync(resolve(referenceDir, 'models_mnist.json'), 'utf8')).autoencoder;
const TOLERANCE = 2;

const selection = await selectBackend({ prefer: [process.env.ELBO_BACKEND ?? 'wasm'], fallback: false });
console.log(`quality bench: 784-400-20 autoencoder, 10 epochs on the 8000-digit split (backend ${selection.name})`);
const data = await mnist();
const ae = new Autoencoder({
  encoder: mlp([784, 400, 20], { activation: 'relu', seed: 0 }),
  decoder: mlp([20, 400, 784], { activation: 'relu', seed: 1 }),
  likelihood: 'bernoulli',
});
const t0 = performance.now();
await ae.fit(data.train.images, {
  epochs: 10,
  batchSize: 128,
  seed: 0,
  validationData: data.test.images,
  callbacks: {
    onEpochEnd: (e, logs) => console.log(`  epoch ${e + 1}: train ${logs.loss.toFixed(2)}  test ${logs.valLoss.toFixed(2)} nats/image`),
  },
});
const seconds = (performance.now() - t0) / 1000;
const { loss, mse } = await ae.evaluate(data.test.images);
const gap = loss - reference.final_test_bce_per_sample;
console.log(
  `  test BCE ${loss.toFixed(2)} nats/image vs PyTorch ${reference.final_test_bce_per_sample.toFixed(2)} (difference ${gap >= 0 ? '+' : ''}${gap.toFixed(2)}, allowed ±${TOLERANCE}): ${Math.abs(gap) <= TOLERANCE ? 'PASS' : 'FAIL'}`,
);
console.log(
  `  test MSE ${mse.toFixed(5)} per pixel vs PyTorch ${reference.final_test_mse_per_pixel.toFixed(5)}; ${seconds.toFixed(1)} s for 10 epochs (with per-epoch validation)`,
);
ae.dispose();
data.dispose();
