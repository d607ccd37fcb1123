import * as tf from '@tensorflow/tfjs-core';
import { selectBackend } from '@elbo/backend-node';
import { Autoencoder, mlp } from '../dist/index.js';
await selectBackend({ prefer: ['wasm'], fallback: false });
const ae = new Autoencoder({ encoder: mlp([784, 400, 20], { seed: 0 }), decoder: mlp([20, 400, 784], { seed: 1 }) });
const x = tf.randomUniform([128, 784], 0, 1, 'float32', 1);
const vars = ae.trainableVariables;
const opt = tf.train.adam(1e-3);
function time(label, fn, n = 10) {
  fn();
  const c0 = process.cpuUsage();
  for (let i = 0; i < n; i++) fn();
  const c = process.cpuUsage(c0);
  console.log(label.padEnd(30), ((c.user + c.system) / 1000 / n).toFixed(2), 'ms cpu', tf.memory().numTensors);
}
const probe = () => { time('  softplus', () => tf.tidy(() => tf.softplus(x).dataSync())); time('  transpose', () => tf.tidy(() => tf.transpose(vars[0]).dataSync())); };
probe();
time('forward loss', () => tf.tidy(() => ae.loss(x).dataSync()));
probe();
time('variableGrads', () => { const { value, grads } = tf.variableGrads(() => ae.loss(x), vars); value.dataSync(); tf.dispose([value, ...Object.values(grads)]); });
probe();
time('grads + adam', () => { const { value, grads } = tf.variableGrads(() => ae.loss(x), vars); value.dataSync(); opt.applyGradients(grads); tf.dispose([value, ...Object.values(grads)]); });
probe();
