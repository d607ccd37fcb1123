import * as tf from '@tensorflow/tfjs-core';
import { selectBackend } from '@elbo/backend-node';
import { mnist } from '@elbo/datasets';
const SEED = Number(process.argv[2] ?? 1);
await selectBackend({ prefer: ['wasm'] });
tf.enableProdMode();
const data = await mnist();
const xTrain = tf.reshape(data.train.images, [-1, 28, 28, 1]);
const xTest = tf.reshape(data.test.images, [-1, 28, 28, 1]);
const LATENT = 16;
let seed = SEED * 100;
const uniform = (shape, fanIn) => { const b = 1 / Math.sqrt(fanIn); return tf.variable(tf.randomUniform(shape, -b, b, 'float32', seed++)); };
const conv = (i, o) => ({ w: uniform([3, 3, i, o], 9 * i), b: uniform([o], 9 * i) });
const convT = (i, o) => ({ w: uniform([3, 3, o, i], 9 * o), b: uniform([o], 9 * o) });
const dense = (i, o) => ({ w: uniform([i, o], i), b: uniform([o], i) });
const p = { c1: conv(1, 32), c2: conv(32, 64), fc: dense(3136, 256), stats: dense(256, 32), d0: dense(16, 3136), t1: convT(64, 64), t2: convT(64, 32), t3: convT(32, 1) };
const pad1 = [[0, 0], [1, 1], [1, 1], [0, 0]];
const c2d = ({ w, b }, x, s) => tf.add(tf.conv2d(x, w, s, pad1), b);
const cT = ({ w, b }, x, s, op) => { const [n, h, wd] = x.shape; const size = (q) => (q - 1) * s - 2 + 3 + op; return tf.add(tf.conv2dTranspose(x, w, [n, size(h), size(wd), w.shape[2]], s, pad1), b); };
const d2 = ({ w, b }, x) => tf.add(tf.matMul(x, w), b);
const loss = (x, eps) => {
  const n = x.shape[0];
  const h = tf.relu(d2(p.fc, tf.reshape(tf.relu(c2d(p.c2, tf.relu(c2d(p.c1, x, 2)), 2)), [n, 3136])));
  const st = d2(p.stats, h); const mu = tf.slice(st, [0, 0], [-1, 16]); const lv = tf.slice(st, [0, 16], [-1, 16]);
  const z = tf.add(mu, tf.mul(eps, tf.exp(tf.mul(lv, 0.5))));
  const d = tf.reshape(tf.relu(d2(p.d0, z)), [n, 7, 7, 64]);
  const logits = cT(p.t3, tf.relu(cT(p.t2, tf.relu(cT(p.t1, d, 2, 1)), 2, 1)), 1, 0);
  const nll = tf.sum(tf.sub(tf.softplus(logits), tf.mul(x, logits)));
  const kl = tf.mul(0.5, tf.sum(tf.sub(tf.add(tf.square(mu), tf.exp(lv)), tf.add(lv, 1))));
  return tf.div(tf.add(nll, kl), n);
};
const vars = Object.values(p).flatMap(({ w, b }) => [w, b]);
const opt = tf.train.adam(1e-3, 0.9, 0.999, 1e-8);
let step = 0;
for (let e = 0; e < 10; e++) {
  const perm = tf.util.createShuffledIndices(8000);
  let tot = 0, nb = 0;
  for (let i = 0; i < 8000; i += 128) {
    const idx = Array.from(perm.slice(i, i + 128));
    const l = tf.tidy(() => {
      const x = tf.gather(xTrain, tf.tensor1d(idx, 'int32'));
      const eps = tf.randomNormal([idx.length, 16], 0, 1, 'float32', SEED * 100000 + step++);
      const { value, grads } = tf.variableGrads(() => loss(x, eps), vars);
      opt.applyGradients(grads);
      return value;
    });
    tot += l.dataSync()[0]; nb++; l.dispose();
  }
  console.log(`seed ${SEED} epoch ${e + 1} train loss ${(tot / nb).toFixed(2)}`);
}
const test = tf.tidy(() => loss(xTest, tf.randomNormal([2000, 16], 0, 1, 'float32', 1234)));
console.log(`seed ${SEED} raw test -ELBO ${test.dataSync()[0].toFixed(2)}`);
