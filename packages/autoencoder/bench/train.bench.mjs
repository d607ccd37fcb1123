// Training throughput of the issue-5 autoencoder (784-400-20 ReLU, Bernoulli, Adam 1e-3,
// batch 128) on wasm in Node, beside PyTorch's 1-thread step time measured in the same run
// (when /usr/bin/python3 has torch). Prints ms/step, samples/s and the ratio (target <= 4x).
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as tf from '@tensorflow/tfjs-core';
import { selectBackend } from '@elbo/backend-node';
import { mnistArrays } from '@elbo/datasets';
import { Autoencoder, mlp } from '../dist/index.js';

const here = dirname(fileURLToPath(import.meta.url));
const anchors = process.env.ELBO_ANCHORS_DIR ?? resolve(here, '../../../../shared/anchors');
const backend = process.env.ELBO_BACKEND ?? 'wasm';
const epochs = Number(process.env.BENCH_EPOCHS ?? 2);
const TARGET_RATIO = 4;

const selection = await selectBackend({ prefer: [backend], fallback: false });
console.log(`autoencoder training throughput: 784-400-20, batch 128, Adam, backend ${selection.name}`);

const { train } = await mnistArrays();
const x = tf.tensor2d(train.images, train.shape);
const ae = new Autoencoder({ encoder: mlp([784, 400, 20], { seed: 0 }), decoder: mlp([20, 400, 784], { seed: 1 }) });
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

// warm-up: kernels and buffers
await ae.fit(tf.slice(x, 0, 512), { epochs: 1, batchSize: 128 });
const stepTimes = [];
let last = 0;
const t0 = performance.now();
const cpu0 = process.cpuUsage();
const history = await ae.fit(x, {
  epochs,
  batchSize: 128,
  seed: 0,
  callbacks: {
    onBatchEnd: (_b, logs) => {
      const now = performance.now();
      if (last > 0 && logs.loss > 0) stepTimes.push(now - last);
      last = now;
    },
    onEpochEnd: () => void (last = 0), // the short last batch and the epoch boundary are not steps of 128
  },
});
const wall = (performance.now() - t0) / 1000;
const cpu = process.cpuUsage(cpu0);
const cpuStepMs = (cpu.user + cpu.system) / 1000 / history.steps;
const stepMs = median(stepTimes);
console.log(
  `  elbo step (median of ${stepTimes.length})     ${stepMs.toFixed(1).padStart(7)} ms   ${(128 / (stepMs / 1000)).toFixed(0).padStart(6)} samples/s`,
);
console.log(`  elbo process CPU per step          ${cpuStepMs.toFixed(1).padStart(7)} ms`);
console.log(
  `  elbo fit, ${epochs} epochs of 8000       ${(wall / epochs).toFixed(2).padStart(7)} s/epoch ${((8000 * epochs) / wall).toFixed(0).padStart(6)} samples/s (whole loop)`,
);
ae.dispose();
x.dispose();

let torch = null;
try {
  execFileSync('/usr/bin/python3', ['-c', 'import torch'], { stdio: 'ignore' });
  const out = execFileSync('/usr/bin/python3', [resolve(here, 'torch_step.py'), anchors, process.env.TORCH_STEPS ?? '200'], {
    encoding: 'utf8',
  });
  torch = JSON.parse(out.trim().split('\n').pop());
} catch (error) {
  console.log(
    `  PyTorch: not measured (${error.code === 'ENOENT' ? 'no /usr/bin/python3' : 'python3-torch missing or failed: apt-get install -y python3-torch'})`,
  );
}
if (torch != null) {
  const ratio = stepMs / torch.ae_step_median_ms;
  console.log(
    `  PyTorch ${torch.torch} AE step, 1 thread ${torch.ae_step_median_ms.toFixed(1).padStart(7)} ms   ${(128 / (torch.ae_step_median_ms / 1000)).toFixed(0).padStart(6)} samples/s  (VAE step ${torch.vae_step_median_ms.toFixed(1)} ms)`,
  );
  console.log(`  PyTorch process CPU per AE step    ${torch.ae_step_cpu_ms.toFixed(1).padStart(7)} ms`);
  console.log(
    `  ratio elbo / PyTorch step time (1 thread, medians): ${ratio.toFixed(2)}x  target <= ${TARGET_RATIO}x  ${ratio <= TARGET_RATIO ? 'PASS' : 'FAIL'}`,
  );
  console.log(`  ratio elbo / PyTorch CPU per step (steadier on a shared machine): ${(cpuStepMs / torch.ae_step_cpu_ms).toFixed(2)}x`);
  console.log(
    `  (load average ${readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ')}: absolute times on a busy 2-core machine drift; the ratio is measured side by side)`,
  );
}
