// Streaming: one epoch of autoencoder training over a ~1 GB .npy file of 100 x 100 `lines`
// images (25,000 rows of 10,000 float32), read in chunks by npyBatches from @elbo/datasets/node.
// Prints the process's peak RSS (target < 600 MB) and samples/s. The file is made in the OS temp
// directory and deleted afterwards.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { selectBackend } from '@elbo/backend-node';
import { npyBatches, writeLinesNpy } from '@elbo/datasets/node';
import { Autoencoder, mlp } from '../dist/index.js';

const TARGET_MB = 600;
const n = Number(process.env.BENCH_STREAM_ROWS ?? 25_000);
const size = 100;
const selection = await selectBackend({ prefer: [process.env.ELBO_BACKEND ?? 'wasm'], fallback: false });
const dir = await mkdtemp(join(tmpdir(), 'elbo-stream-bench-'));
const file = join(dir, 'lines.npy');
try {
  let t0 = performance.now();
  const written = await writeLinesNpy(file, { n, size, seed: 0 });
  const bytes = written.bytes ?? n * size * size * 4;
  console.log(
    `streaming bench: ${n} lines images ${size}x${size} -> ${(bytes / 2 ** 20).toFixed(0)} MiB .npy written in ${((performance.now() - t0) / 1000).toFixed(1)} s (backend ${selection.name})`,
  );
  const ae = new Autoencoder({ encoder: mlp([size * size, 64, 16], { seed: 0 }), decoder: mlp([16, 64, size * size], { seed: 1 }) });
  const rssBefore = process.memoryUsage().rss;
  t0 = performance.now();
  let lastLog = t0;
  const history = await ae.fit(npyBatches(file, { batchSize: 128, seed: 0 }), {
    epochs: 1,
    callbacks: {
      onBatchEnd: (batch, logs) => {
        const now = performance.now();
        if (now - lastLog > 10_000) {
          lastLog = now;
          console.log(`  batch ${batch}: loss ${logs.loss.toFixed(1)}, rss ${(process.memoryUsage().rss / 2 ** 20).toFixed(0)} MiB`);
        }
      },
    },
  });
  const seconds = (performance.now() - t0) / 1000;
  const peakMb = process.resourceUsage().maxRSS / 1024; // maxRSS is in KiB
  console.log(
    `  1 epoch, ${history.steps} steps of 128 (model ${size * size}-64-16): ${seconds.toFixed(1)} s, ${(n / seconds).toFixed(0)} samples/s, loss ${history.history.loss[0].toFixed(1)} nats/image`,
  );
  console.log(
    `  RSS when training began ${(rssBefore / 2 ** 20).toFixed(0)} MiB; tensors left ${tf.memory().numTensors - ae.trainableVariables.length}`,
  );
  console.log(
    `  peak RSS ${peakMb.toFixed(0)} MiB (file ${(bytes / 2 ** 20).toFixed(0)} MiB), target < ${TARGET_MB} MB: ${peakMb * 1.048576 < TARGET_MB ? 'PASS' : 'FAIL'}`,
  );
  ae.dispose();
} finally {
  await rm(dir, { recursive: true, force: true });
}
