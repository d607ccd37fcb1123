import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { VAE } from '@elbo/vae';
import type { VAEHistory } from '@elbo/vae';
import type { ReportContext } from '../context';
import { num } from '../format';
import { last, progressCallbacks } from '../training';
import { VAE_BATCH, buildVae, fitVae, type VaeKind } from '../vae-train';
import type { VaeJob, VaeWorkerMessage } from '../vae-worker';
import { foldIn } from '@elbo/prob';

/** A trained VAE and how it got there. */
export interface TrainedVae {
  vae: VAE;
  history: VAEHistory;
  epochs: number;
  seconds: number;
  latentDim: number;
  /** Where it was trained: 'main thread' or 'worker thread'. */
  where: string;
}

/** Epochs of the convolutional VAE in the full report: its steps cost about 15 times an MLP step's, and the demo has 3 minutes. */
export const CONV_EPOCHS = 3;

const epochsFor = (ctx: ReportContext, latentDim: number, kind: VaeKind = 'mlp') =>
  kind === 'conv' ? ctx.epochs(CONV_EPOCHS, 1) : ctx.epochs(latentDim === 2 ? 6 : 10, 2);
const labelOf = (latentDim: number, kind: VaeKind) => `${kind === 'conv' ? 'conv VAE' : 'VAE'}, ${latentDim}-D latent`;
const seedFor = (ctx: ReportContext, latentDim: number) => foldIn(ctx.options.seed, latentDim);

/** Trains in this thread, with a progress bar. */
async function trainHere(ctx: ReportContext, latentDim: number, kind: VaeKind): Promise<TrainedVae> {
  const { train, test } = await ctx.digits();
  const epochs = epochsFor(ctx, latentDim, kind);
  const seed = seedFor(ctx, latentDim);
  const vae = buildVae(latentDim, seed, kind);
  try {
    const t0 = performance.now();
    const progress = progressCallbacks(ctx, labelOf(latentDim, kind), { epochs, examples: train.shape[0], batchSize: VAE_BATCH });
    const history = await fitVae(vae, train, test, { epochs, seed, callbacks: progress.callbacks });
    progress.done(`${epochs} epochs, test -ELBO ${num(last(history.history.valLoss, 'VAE valLoss'))} nats/image`);
    return { vae, history, epochs, seconds: (performance.now() - t0) / 1000, latentDim, where: 'main thread' };
  } catch (error) {
    vae.dispose();
    throw error;
  }
}

/** The worker's script, beside the bundled report (absent when running from sources, e.g. in tests). */
function workerScript(): string | null {
  const path = fileURLToPath(new URL('./vae-worker.js', import.meta.url));
  return existsSync(path) ? path : null;
}

/** Trains in a worker thread (the other core) and loads the result; progress shows once someone waits. */
async function trainInWorker(ctx: ReportContext, latentDim: number, kind: VaeKind, script: string): Promise<TrainedVae> {
  const { train } = await ctx.digits();
  const dir = await mkdtemp(join(tmpdir(), 'elbo-report-vae-'));
  const job: VaeJob = {
    kind,
    latentDim,
    epochs: epochsFor(ctx, latentDim, kind),
    seed: seedFor(ctx, latentDim),
    quick: ctx.options.quick,
    dir,
  };
  const key = `${kind}-${latentDim}`;
  const total = job.epochs * Math.ceil(train.shape[0] / VAE_BATCH);
  try {
    const done = await new Promise<{ history: VAEHistory; seconds: number }>((resolve, reject) => {
      const worker = new Worker(script, { workerData: job });
      let bar: ReturnType<ReportContext['progress']> | null = null;
      let latest = { step: 0, epoch: 0, loss: 0 };
      // The bar appears when the section that needs this model starts waiting for it.
      waiting.set(key, () => {
        bar = ctx.progress(`${labelOf(latentDim, kind)} (worker)`, total);
        bar.update(latest.step, { epoch: latest.epoch, epochs: job.epochs, loss: latest.loss });
      });
      worker.on('message', (m: VaeWorkerMessage) => {
        if (m.type === 'progress') {
          latest = m;
          bar?.update(m.step, { epoch: m.epoch, epochs: job.epochs, loss: m.loss });
        } else if (m.type === 'done') {
          waiting.delete(key);
          bar?.stop();
          resolve({ history: m.history as VAEHistory, seconds: m.seconds });
        } else {
          waiting.delete(key);
          bar?.stop();
          reject(new Error(`the VAE worker failed: ${m.message}`));
        }
      });
      worker.on('error', reject);
      worker.on('exit', (code) => {
        if (code !== 0) reject(new Error(`the VAE worker exited with code ${code}`));
      });
    });
    const vae = await VAE.load(`file://${dir}`);
    ctx.log(`  ${labelOf(latentDim, kind)}, trained in a worker thread: ${job.epochs} epochs in ${done.seconds.toFixed(1)} s`);
    return { vae, history: done.history, epochs: job.epochs, seconds: done.seconds, latentDim, where: 'worker thread' };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

const waiting = new Map<string, () => void>();

/**
 * The pytorch/examples VAE (784-400-latent, ReLU, Bernoulli decoder on the
 * grey levels), trained once per latent size on the training digits with the
 * test digits as validation, and shared between sections. With
 * `background`, it trains in a worker thread when the bundled worker is
 * there, so it runs on the second core while other sections train.
 */
export function trainedVae(
  ctx: ReportContext,
  latentDim: number,
  { background = false, kind = 'mlp' }: { background?: boolean; kind?: VaeKind } = {},
): Promise<TrainedVae> {
  const script = background ? workerScript() : null;
  const made = ctx.shared(
    kind === 'mlp' ? `vae-${latentDim}` : `vae-${kind}-${latentDim}`,
    () => (script ? trainInWorker(ctx, latentDim, kind, script) : trainHere(ctx, latentDim, kind)),
    (trained) => trained.vae.dispose(),
  );
  return made;
}

/** Shows the progress of a background training, if one is running for this model. */
export function showProgress(latentDim: number, kind: VaeKind = 'mlp'): void {
  const key = `${kind}-${latentDim}`;
  waiting.get(key)?.();
  waiting.delete(key);
}
