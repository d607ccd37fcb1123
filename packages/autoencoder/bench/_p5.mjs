import * as tf from '@tensorflow/tfjs-core';
import { selectBackend } from '@elbo/backend-node';
import { Autoencoder, mlp } from '../dist/index.js';
await selectBackend({ prefer: ['wasm'], fallback: false });
const x = tf.randomUniform([128, 784], 0, 1, 'float32', 1);
const w = tf.randomUniform([784, 400], 0, 1, 'float32', 1);
function time(label, fn, n = 10) {
  fn();
  const c0 = process.cpuUsage();
  for (let i = 0; i < n; i++) fn();
  const c = process.cpuUsage(c0);
  console.log(label.padEnd(30), ((c.user + c.system) / 1000 / n).toFixed(2), 'ms cpu', tf.memory().numTensors);
}
time('transpose', () => tf.tidy(() => { tf.transpose(w).dataSync(); }));
time('sigmoid', () => tf.tidy(() => { tf.sigmoid(x).dataSync(); }));
const ae = new Autoencoder({ encoder: mlp([784, 400, 20], { seed: 0 }), decoder: mlp([20, 400, 784], { seed: 1 }) });
time('transpose after AE', () => tf.tidy(() => { tf.transpose(w).dataSync(); }));
time('sigmoid after AE', () => tf.tidy(() => { tf.sigmoid(x).dataSync(); }));
time('forward loss', () => tf.tidy(() => ae.loss(x).dataSync()));
time('transpose after loss', () => tf.tidy(() => { tf.transpose(w).dataSync(); }));
time('sigmoid after loss', () => tf.tidy(() => { tf.sigmoid(x).dataSync(); }));
