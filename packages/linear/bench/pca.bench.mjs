// PCA, k = 20, on the 8000 x 784 MNIST train split: elbo (full and randomized)
// side by side with scikit-learn (same process tree, same data, via /usr/bin/python3
// when sklearn is installed) and ml-pca (the npm package JavaScript users have today).
// Prints median seconds, ratios, and the accuracy (largest principal angle to
// sklearn's full-solver components, explained-variance ratio sum).
// Usage: node bench/pca.bench.mjs [--repeats 5] [--backends wasm,cpu] [--no-ml-pca] [--no-sklearn]
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as tf from '@tensorflow/tfjs-core';
import { selectBackend } from '@elbo/backend-node';
import { mnistArrays } from '@elbo/datasets';
import { PCA, principalAngles } from '../dist/index.js';

const here = dirname(fileURLToPath(import.meta.url));
const arg = (name, fallback) => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : fallback;
};
const repeats = Number(arg('repeats', 5));
const backends = arg('backends', 'wasm').split(',');
const withMlPca = !process.argv.includes('--no-ml-pca');
const withSklearn = !process.argv.includes('--no-sklearn');
const K = 20;

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};
const loadavg = () => readFileSync('/proc/loadavg', 'utf8').split(' ')[0];

const { train } = await mnistArrays();
const [n, d] = train.shape;
const sk = JSON.parse(readFileSync(resolve(here, '../test-fixtures/sklearn-pca20-components.json'), 'utf8'));
console.log(`PCA k=${K} on MNIST train ${n} x ${d}; ${repeats} repeats, medians; load average ${loadavg()}`);

const results = {};

// ---- scikit-learn (float64 input as the reference figures; BLAS threads as installed) ----
if (withSklearn) {
  const probe = spawnSync('/usr/bin/python3', ['-c', 'import sklearn'], { encoding: 'utf8' });
  if (probe.status !== 0) {
    console.log('sklearn: not installed (/usr/bin/python3 -c "import sklearn" failed): skipped');
  } else {
    const dir = mkdtempSync(join(tmpdir(), 'elbo-pca-bench-'));
    const file = join(dir, 'train.f32');
    writeFileSync(file, Buffer.from(train.images.buffer, train.images.byteOffset, train.images.byteLength));
    const py = `
import json, sys, time
import numpy as np
from sklearn.decomposition import PCA
X = np.fromfile(sys.argv[1], dtype=np.float32).reshape(${n}, ${d}).astype(np.float64)
out = {}
for solver in ('full', 'randomized'):
    kw = {'random_state': 0} if solver == 'randomized' else {}
    PCA(n_components=${K}, svd_solver=solver, **kw).fit(X)  # warm-up
    ts = []
    for _ in range(${repeats}):
        t0 = time.perf_counter(); PCA(n_components=${K}, svd_solver=solver, **kw).fit(X); ts.append(time.perf_counter() - t0)
    out[solver] = {'median': sorted(ts)[len(ts) // 2], 'min': min(ts)}
print(json.dumps(out))
`;
    const r = spawnSync('/usr/bin/python3', ['-c', py, file], { encoding: 'utf8', maxBuffer: 1 << 20 });
    rmSync(dir, { recursive: true, force: true });
    if (r.status !== 0) console.log(`sklearn failed: ${r.stderr}`);
    else {
      const t = JSON.parse(r.stdout.trim().split('\n').at(-1));
      results.sklearn = t;
      for (const solver of ['full', 'randomized']) {
        console.log(`sklearn '${solver}'`.padEnd(24) + `${t[solver].median.toFixed(3)} s (min ${t[solver].min.toFixed(3)} s)`);
      }
    }
  }
}

// ---- elbo ----
for (const backend of backends) {
  const sel = await selectBackend({ prefer: [backend], fallback: false });
  if (sel.name !== backend) {
    console.log(`elbo on ${backend}: not available (${sel.reason})`);
    continue;
  }
  const skCols = tf.tidy(() => tf.transpose(tf.tensor2d(sk.components)));
  const x = tf.tensor2d(train.images, [n, d]);
  for (const solver of ['full', 'randomized']) {
    const reps = backend === 'cpu' ? Math.min(repeats, 2) : repeats;
    PCA.fit(x, { components: K, solver }).dispose(); // warm-up (JIT, kernels)
    const ts = [];
    let model;
    for (let i = 0; i < reps; i++) {
      model?.dispose();
      const t0 = performance.now();
      model = PCA.fit(x, { components: K, solver, seed: 0 });
      ts.push((performance.now() - t0) / 1000);
    }
    const cols = tf.transpose(model.components);
    const angle = principalAngles(cols, skCols).at(-1);
    const evr = model.explainedVarianceRatio.reduce((a, b) => a + b, 0);
    cols.dispose();
    model.dispose();
    const t = median(ts);
    const tmin = Math.min(...ts);
    results[`${backend}-${solver}`] = t;
    const ref = results.sklearn?.[solver];
    const vsSk = ref ? `  = ${(t / ref.median).toFixed(2)}x sklearn '${solver}' (min/min ${(tmin / ref.min).toFixed(2)}x)` : '';
    console.log(
      `elbo ${backend.padEnd(4)} '${solver}'`.padEnd(24) +
        `${t.toFixed(3)} s (min ${tmin.toFixed(3)} s)${vsSk}   [largest angle to sklearn ${angle.toFixed(4)} deg, EVR sum ${evr.toFixed(6)}; sklearn 0.650113]`,
    );
  }
  tf.dispose([x, skCols]);
}

// ---- ml-pca (once: it takes tens of seconds) ----
if (withMlPca) {
  const { PCA: MlPCA } = await import('ml-pca');
  const rows = [];
  for (let i = 0; i < n; i++) rows.push(Array.from(train.images.subarray(i * d, (i + 1) * d)));
  const t0 = performance.now();
  new MlPCA(rows, { method: 'SVD' });
  const t = (performance.now() - t0) / 1000;
  results.mlPca = t;
  console.log(`ml-pca 4.x (SVD)      ${t.toFixed(3)} s`);
  for (const key of Object.keys(results).filter((k) => k.includes('-'))) {
    console.log(`  ml-pca / elbo ${key}: ${(t / results[key]).toFixed(1)}x`);
  }
}
console.log(`load average at the end ${loadavg()}`);
