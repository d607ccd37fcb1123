import * as tf from '@tensorflow/tfjs-core';
import { mlp } from '@elbo/autoencoder';
import { VAE } from '@elbo/vae';
import type { VAEHistory } from '@elbo/vae';
import type { ReportContext } from '../context';
import { imagesTensor } from '../digits-util';
import { num } from '../format';
import { last, progressCallbacks } from '../training';

/** A trained VAE and how it got there. */
export interface TrainedVae {
  vae: VAE;
  history: VAEHistory;
  epochs: number;
  seconds: number;
  latentDim: number;
}

export const VAE_BATCH = 128;

/**
 * The pytorch/examples VAE (784-400-latent, ReLU, Bernoulli decoder on the
 * grey levels), trained once per latent size on the training digits with
 * the test digits as validation, and shared between sections.
 */
export function trainedVae(ctx: ReportContext, latentDim: number): Promise<TrainedVae> {
  return ctx.shared(
    `vae-${latentDim}`,
    async () => {
      const { train, test } = await ctx.digits();
      const epochs = ctx.epochs(latentDim === 2 ? 6 : 10, 2);
      const seed = ctx.options.seed + 10 * latentDim;
      const vae = new VAE({
        encoder: mlp([784, 400, 2 * latentDim], { activation: 'relu', seed }),
        decoder: mlp([latentDim, 400, 784], { activation: 'relu', seed: seed + 1 }),
        latentDim,
        likelihood: 'bernoulli',
      });
      const x = imagesTensor(train);
      const xTest = imagesTensor(test);
      try {
        const t0 = performance.now();
        const progress = progressCallbacks(ctx, `VAE, ${latentDim}-D latent`, { epochs, examples: train.shape[0], batchSize: VAE_BATCH });
        const history = await vae.fit(x, { epochs, batchSize: VAE_BATCH, seed, validationData: xTest, callbacks: progress.callbacks });
        progress.done(`${epochs} epochs, test -ELBO ${num(last(history.history.valLoss, 'VAE valLoss'))} nats/image`);
        return { vae, history, epochs, seconds: (performance.now() - t0) / 1000, latentDim };
      } catch (error) {
        vae.dispose();
        throw error;
      } finally {
        tf.dispose([x, xTest]);
      }
    },
    (trained) => trained.vae.dispose(),
  );
}
