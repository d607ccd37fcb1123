// What the abstraction costs: Independent(Normal).logProb and the diagonal-Gaussian
// KL to N(0, I) on a 4096 x 256 batch, against the same formulas as raw tfjs ops,
// on the cpu and wasm backends. Prints medians (ms) and ratios. Run after `pnpm build`.
import * as tf from '@tensorflow/tfjs-core';
import { selectBackend } from '@elbo/backend-node';
import { Independent, Normal, klDivergence, klNormalStandard } from '../dist/index.js';

const [N, D] = [4096, 256];
const HALF_LOG_2PI = 0.5 * Math.log(2 * Math.PI);
const reps = Number(process.env.BENCH_REPS ?? 15);
const backends = (process.env.BENCH_BACKENDS ?? 'cpu,wasm').split(',');

/** Median ms of each case, run interleaved (one rep of every case per round) so drift hits all alike. */
function bench(cases) {
  const times = Object.fromEntries(Object.keys(cases).map((k) => [k, []]));
  for (const f of Object.values(cases)) tf.dispose(f()); // warm-up
  for (let r = 0; r < reps; r++) {
    for (const [name, f] of Object.entries(cases)) {
      const t0 = performance.now();
      const out = f();
      out.dataSync();
      times[name].push(performance.now() - t0);
      out.dispose();
    }
  }
  return Object.fromEntries(Object.entries(times).map(([k, v]) => [k, v.sort((a, b) => a - b)[Math.floor(v.length / 2)]]));
}

for (const backend of backends) {
  const { name } = await selectBackend({ prefer: [backend], fallback: false });
  const loc = tf.randomNormal([N, D], 0, 1, 'float32', 1);
  const logVar = tf.randomNormal([N, D], 0, 0.3, 'float32', 2);
  const scale = tf.exp(tf.mul(logVar, 0.5));
  const x = tf.randomNormal([N, D], 0, 1, 'float32', 3);
  const zerosD = tf.zeros([D]);
  const before = tf.memory().numTensors;

  const logProb = bench({
    raw: () =>
      tf.tidy(() => {
        const z = tf.div(tf.sub(x, loc), scale);
        return tf.sum(tf.sub(tf.mul(tf.square(z), -0.5), tf.add(tf.log(scale), HALF_LOG_2PI)), -1);
      }),
    elbo: () => tf.tidy(() => new Independent(new Normal({ loc, scale }, { validateArgs: false }), 1).logProb(x)),
    elboValidated: () => tf.tidy(() => new Independent(new Normal({ loc, scale }), 1).logProb(x)),
  });
  const kl = bench({
    raw: () => tf.tidy(() => tf.mul(tf.sum(tf.sub(tf.sub(tf.add(tf.square(loc), tf.exp(logVar)), logVar), 1), -1), 0.5)),
    klNormalStandard: () => klNormalStandard(loc, logVar),
    registry: () =>
      tf.tidy(() => {
        const off = { validateArgs: false };
        const q = new Independent(Normal.fromLogVar(loc, logVar, off), 1);
        const p = new Independent(new Normal({ loc: zerosD, scale: 1 }, off), 1); // N(0, I) over the event axis, broadcast over the batch
        return klDivergence(q, p);
      }),
  });
  if (tf.memory().numTensors !== before) throw new Error(`bench leaked ${tf.memory().numTensors - before} tensors`);
  const r = (a, b) => `${(a / b).toFixed(3)}x`;
  console.log(`\n${name}: ${N} x ${D}, median of ${reps}`);
  console.log(
    `  Independent(Normal).logProb   raw ${logProb.raw.toFixed(2)} ms   elbo ${logProb.elbo.toFixed(2)} ms (${r(logProb.elbo, logProb.raw)})   with validation ${logProb.elboValidated.toFixed(2)} ms (${r(logProb.elboValidated, logProb.raw)})`,
  );
  console.log(
    `  KL(diag Gaussian || N(0, I))  raw ${kl.raw.toFixed(2)} ms   klNormalStandard ${kl.klNormalStandard.toFixed(2)} ms (${r(kl.klNormalStandard, kl.raw)})   klDivergence(Independent, Independent) ${kl.registry.toFixed(2)} ms (${r(kl.registry, kl.raw)})`,
  );
  tf.dispose([loc, logVar, scale, x, zerosD]);
}
