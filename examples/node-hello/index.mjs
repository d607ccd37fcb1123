// Pick the fastest TensorFlow.js backend that works on this machine, say which
// and why, and fit a line by gradient descent on it.
import * as tf from '@tensorflow/tfjs-core';
import { selectBackend } from '@elbo/backend-node';

const { name, reason, tried } = await selectBackend();
console.log(`backend: ${name}\nwhy:     ${reason}`);
for (const attempt of tried) console.log(`  tried ${attempt.name}: ${attempt.ok ? 'ok' : attempt.error}`);

// y = 3x - 1 plus a little noise; recover slope and intercept with Adam.
const x = tf.linspace(-1, 1, 200);
const y = tf.tidy(() => tf.add(tf.sub(tf.mul(x, 3), 1), tf.randomNormal([200], 0, 0.05, 'float32', 7)));
const slope = tf.variable(tf.scalar(0));
const intercept = tf.variable(tf.scalar(0));
const optimizer = tf.train.adam(0.1);
for (let step = 0; step < 300; step++) {
  optimizer.minimize(() => tf.mean(tf.square(tf.sub(tf.add(tf.mul(x, slope), intercept), y))));
}
console.log(`fitted y = ${slope.dataSync()[0].toFixed(3)} x + ${intercept.dataSync()[0].toFixed(3)} (truth: 3 x - 1)`);
tf.dispose([x, y, slope, intercept]);
optimizer.dispose();
