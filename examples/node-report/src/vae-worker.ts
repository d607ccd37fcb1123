// Trains one VAE in a worker thread (the wasm backend uses one core; this
// puts the second core to work) and saves it where the report loads it.
import { parentPort, workerData } from 'node:worker_threads';
import { selectBackend } from '@elbo/backend-node';
import { mnistArrays } from '@elbo/datasets';
import * as tf from '@tensorflow/tfjs-core';
import { QUICK_SIZES, firstRows } from './digits-util';
import { buildVae, fitVae, type VaeKind } from './vae-train';

/** What the report asks the worker to train. */
export interface VaeJob {
  kind: VaeKind;
  latentDim: number;
  epochs: number;
  seed: number;
  quick: boolean;
  /** Folder to save the trained model into (file://). */
  dir: string;
}

/** Messages from the worker. */
export type VaeWorkerMessage =
  | { type: 'progress'; step: number; epoch: number; loss: number }
  | { type: 'done'; history: unknown; seconds: number; backend: string }
  | { type: 'error'; message: string };

async function run(job: VaeJob): Promise<void> {
  const post = (m: VaeWorkerMessage) => parentPort!.postMessage(m);
  try {
    const backend = await selectBackend();
    tf.enableProdMode();
    const all = await mnistArrays();
    const train = job.quick ? firstRows(all.train, QUICK_SIZES.train) : all.train;
    const test = job.quick ? firstRows(all.test, QUICK_SIZES.test) : all.test;
    const vae = buildVae(job.latentDim, job.seed, job.kind);
    const t0 = performance.now();
    let step = 0;
    let epoch = 0;
    const history = await fitVae(vae, train, test, {
      epochs: job.epochs,
      seed: job.seed,
      callbacks: {
        onBatchEnd: (_b, logs) => post({ type: 'progress', step: ++step, epoch: epoch + 1, loss: logs.loss ?? 0 }),
        onEpochEnd: (e) => void (epoch = e + 1),
      },
    });
    const seconds = (performance.now() - t0) / 1000;
    await vae.save(`file://${job.dir}`);
    vae.dispose();
    post({ type: 'done', history, seconds, backend: backend.name });
  } catch (error) {
    post({ type: 'error', message: (error as Error).stack ?? String(error) });
  }
}

if (parentPort) await run(workerData as VaeJob);
