import * as tf from '@tensorflow/tfjs-core';
import { selectBackend } from '@elbo/backend-node';
await selectBackend({ prefer: ['wasm'], fallback: false });
function time(label, fn, n = 10) {
  fn();
  const c0 = process.cpuUsage();
  for (let i = 0; i < n; i++) fn();
  const c = process.cpuUsage(c0);
  console.log(label.padEnd(30), ((c.user + c.system) / 1000 / n).toFixed(2), 'ms cpu');
}
const a = tf.randomUniform([128, 784], 0, 1, 'float32', 1);
time('softplus a', () => tf.tidy(() => tf.softplus(a).dataSync()));
time('sigmoid a', () => tf.tidy(() => tf.sigmoid(a).dataSync()));
time('softplus a no read', () => tf.tidy(() => { tf.softplus(a); }));
time('exp a no read', () => tf.tidy(() => { tf.exp(a); }));
time('log1p a no read', () => tf.tidy(() => { tf.log1p(a); }));
time('relu a no read', () => tf.tidy(() => { tf.relu(a); }));
const b = tf.randomUniform([784, 400], -0.03, 0.03, 'float32', 5);
time('transpose b', () => tf.tidy(() => { tf.transpose(b); }));
const c = tf.randomUniform([784, 400], 0, 1, 'float32', 5);
time('transpose c', () => tf.tidy(() => { tf.transpose(c); }));
const d = tf.randomUniform([784, 400], 0.5, 1, 'float32', 5);
time('transpose d', () => tf.tidy(() => { tf.transpose(d); }));
