import * as tf from '@tensorflow/tfjs-core';
import { selectBackend } from '@elbo/backend-node';
await selectBackend({ prefer: ['wasm'], fallback: false });
const w = tf.randomUniform([784, 400], 0, 1, 'float32', 1);
function time(label, fn, n = 10) {
  fn();
  const c0 = process.cpuUsage();
  for (let i = 0; i < n; i++) fn();
  const c = process.cpuUsage(c0);
  console.log(label.padEnd(30), ((c.user + c.system) / 1000 / n).toFixed(2), 'ms cpu', tf.getBackend());
}
time('transpose before', () => tf.tidy(() => { tf.transpose(w).dataSync(); }));
const m = await import(process.argv[2]);
time('transpose after ' + process.argv[2], () => tf.tidy(() => { tf.transpose(w).dataSync(); }));
const v = tf.variable(w);
time('transpose variable', () => tf.tidy(() => { tf.transpose(v).dataSync(); }));
const r = tf.randomUniform([784, 400], 0, 1, 'float32', 1);
time('transpose fresh', () => tf.tidy(() => { tf.transpose(r).dataSync(); }));
