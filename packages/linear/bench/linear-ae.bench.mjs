// The linear autoencoder (784-20-784, untied, Adam) on the MNIST train split,
// against PCA: reconstruction MSE and the largest principal angle between its
// decoder span and the PCA subspace, per epoch. Compare with
// reference/models_mnist.json "linearAutoencoder" (PyTorch, lr 1e-3: ~200 epochs to 1 degree).
// Usage: node bench/linear-ae.bench.mjs [--epochs 100] [--lr 3e-3] [--settle-epochs 40] [--settle-lr 1e-3] [--batch 128] [--backend wasm]
// (a step-down schedule: Adam at a constant rate jitters around the optimum, ~2.5 degrees at 3e-3)
import * as tf from '@tensorflow/tfjs-core';
import { selectBackend } from '@elbo/backend-node';
import { mnist } from '@elbo/datasets';
import { LinearAutoencoder, PCA, orthonormalityError, principalAngles } from '../dist/index.js';

const arg = (name, fallback) => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : fallback;
};
const epochs = Number(arg('epochs', 100));
const lr = Number(arg('lr', 3e-3));
const batchSize = Number(arg('batch', 128));
const settleEpochs = Number(arg('settle-epochs', 40));
const settleLr = Number(arg('settle-lr', 1e-3));
const backend = arg('backend', 'wasm');

const selection = await selectBackend({ prefer: [backend], fallback: false });
console.log(
  `backend ${selection.name}; linear AE 784-20-784 untied, Adam lr ${lr} for ${epochs} epochs then ${settleLr} for ${settleEpochs}, batch ${batchSize}`,
);
const data = await mnist();
const { train, test } = data;
const pca = PCA.fit(train.images, { components: 20, solver: 'full' });
const pcaCols = tf.transpose(pca.components);
const mse = (model, x) => {
  const sq = tf.tidy(() => tf.sum(tf.squaredDifference(model(x), x), 1).dataSync());
  return sq.reduce((a, b) => a + b, 0) / x.size;
};
const pcaRecon = (x) => pca.inverseTransform(pca.transform(x));
const pcaTrain = mse(pcaRecon, train.images);
const pcaTest = mse(pcaRecon, test.images);
console.log(
  `PCA k=20: train MSE ${pcaTrain.toFixed(6)}  test MSE ${pcaTest.toFixed(6)}  orthonormalityError ${orthonormalityError(pcaCols).toExponential(2)}`,
);

const ae = new LinearAutoencoder({ inputDim: 784, latentDim: 20, seed: 0 });
const t0 = performance.now();
const total = epochs + settleEpochs;
let done = 0;
const report = (epoch) => {
  const e = done + epoch + 1;
  if (e === 1 || e % 5 === 0 || e === total) {
    const dec = ae.decoderWeights;
    const angle = principalAngles(dec, pcaCols).at(-1);
    const tr = mse((x) => ae.reconstruct(x), train.images);
    console.log(
      `epoch ${String(e).padStart(3)}  ${((performance.now() - t0) / 1000).toFixed(1).padStart(6)} s  train MSE ${tr.toFixed(6)} (${((tr / pcaTrain - 1) * 100).toFixed(2)}% over PCA)  max angle ${angle.toFixed(3)} deg  ||U^T U - I|| ${orthonormalityError(dec).toFixed(2)}`,
    );
    dec.dispose();
  }
};
await ae.fit(train.images, { epochs, batchSize, learningRate: lr, seed: 0, callbacks: { onEpochEnd: report } });
done = epochs;
if (settleEpochs > 0)
  await ae.fit(train.images, { epochs: settleEpochs, batchSize, learningRate: settleLr, seed: 1, callbacks: { onEpochEnd: report } });
const teAe = mse((x) => ae.reconstruct(x), test.images);
console.log(`final test MSE ${teAe.toFixed(6)} vs PCA ${pcaTest.toFixed(6)} (${((teAe / pcaTest - 1) * 100).toFixed(2)}% over)`);
ae.dispose();
pca.dispose();
pcaCols.dispose();
data.dispose();
