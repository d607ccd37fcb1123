// A convolutional VAE on 100 x 100 `lines` images streamed from a .npy on disk (npyBatches with
// itemShape [100, 100, 1]), in a process of its own: peak RSS (target < 600 MB), images/s, and what
// one epoch over 1 million such images costs on this machine at that rate.
//
//   pnpm --filter @elbo/vae build && pnpm --filter @elbo/vae bench:conv-stream
//
// Environment: ELBO_BACKEND (default wasm), ELBO_STREAM_ROWS (default 4096: a 160 MB file), ELBO_STREAM_BATCH (default 32).
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { selectBackend } from '@elbo/backend-node';
import { npyBatches, writeLinesNpy } from '@elbo/datasets/node';
import { VAE, convDecoder, convEncoder } from '../dist/index.js';

const TARGET_MB = 600;
const rows = Number(process.env.ELBO_STREAM_ROWS ?? 4096);
const batchSize = Number(process.env.ELBO_STREAM_BATCH ?? 32);
const size = 100;
const shape = [size, size, 1];
const selection = await selectBackend({ prefer: [process.env.ELBO_BACKEND ?? 'wasm'], fallback: false });
tf.enableProdMode();
const fmt = (v, d = 1) => (Number.isFinite(v) ? v.toFixed(d) : String(v));
const dir = await mkdtemp(join(tmpdir(), 'elbo-conv-stream-'));
try {
  const file = join(dir, 'lines.npy');
  const written = await writeLinesNpy(file, { n: rows, size, seed: 0 });
  // Three stride-2 convolutions (100 -> 50 -> 25 -> 13) keep the dense layer small (13 x 13 x 64 -> 256);
  // few channels at full size, because memory goes there: the decoder's last 100 x 100 maps, their
  // ReLU and their gradients (with [32, 64, 64], 32 channels at 100 x 100, one step holds 600 MB of tensors at batch 32).
  const filters = [16, 32, 64];
  const vae = new VAE({
    encoder: convEncoder({ inputShape: shape, outputDim: 32, filters, seed: 0 }),
    decoder: convDecoder({ inputDim: 16, outputShape: shape, filters: [...filters].reverse(), seed: 1 }),
    likelihood: 'bernoulli',
  });
  const parameters = vae.trainableVariables.reduce((n, v) => n + v.size, 0);
  console.log(
    `conv VAE on ${rows} lines images ${size} x ${size} streamed from a ${fmt(written.bytes / 2 ** 20, 0)} MiB .npy ` +
      `(backend ${selection.name}; filters ${filters.join(', ')}; ${fmt(parameters / 1e6, 2)} M parameters; batch ${batchSize})`,
  );
  const stamps = [];
  const t0 = performance.now();
  const history = await vae.fit(npyBatches(file, { batchSize, seed: 0, itemShape: shape }), {
    epochs: 1,
    callbacks: { onBatchEnd: () => stamps.push(performance.now()) },
  });
  const seconds = (performance.now() - t0) / 1000;
  // the rate without the first batches (kernel modules compiled, heap grown)
  const warm = stamps.length > 8 ? ((stamps.length - 4) * batchSize) / ((stamps.at(-1) - stamps[3]) / 1000) : rows / seconds;
  const peakMb = (process.resourceUsage().maxRSS * 1024) / 1e6; // maxRSS is in KiB
  console.log(
    `  1 epoch: ${fmt(seconds)} s, ${fmt(rows / seconds)} images/s (${fmt(warm)} once warm), loss ${fmt(history.history.loss[0])} nats/image`,
  );
  console.log(`  one epoch over 1,000,000 such images at that rate: ${fmt(1e6 / warm / 3600, 1)} h on this machine`);
  console.log(`  tensors left ${tf.memory().numTensors - vae.trainableVariables.length}`);
  console.log(`  peak RSS ${fmt(peakMb, 0)} MB, target < ${TARGET_MB} MB: ${peakMb < TARGET_MB ? 'PASS' : 'FAIL'}`);
  if (peakMb >= TARGET_MB && process.env.ELBO_QUALITY_STRICT === '1') process.exitCode = 1;
  vae.dispose();
} finally {
  await rm(dir, { recursive: true, force: true });
}
