import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { Likelihood } from '@elbo/prob';
import type { History } from '@elbo/prob';
import {
  EncoderDecoderModel,
  activation,
  batchExamples,
  conv2d,
  convTranspose2d,
  flatten,
  linear,
  mlp,
  reshape,
  sequential,
} from '@elbo/nn';
import type { EncoderDecoderParts, LoadedLayers } from '@elbo/nn';
import { expectNoLeaks } from '../../../tooling/testing';

/** The smallest model on the base: an autoencoder whose loss is the negative log-likelihood. */
class TinyAutoencoder extends EncoderDecoderModel {
  constructor(parts: EncoderDecoderParts) {
    super(parts, 'Tiny');
  }
  loss(x: tf.Tensor): tf.Scalar {
    return tf.tidy(() => tf.neg(tf.mean(this.likelihood.logProb(x, this.decoder.apply(this.encoder.apply(x))))) as tf.Scalar);
  }
  fit(data: tf.Tensor, options: { epochs?: number; validationData?: tf.Tensor } = {}): Promise<History> {
    return this.train({ ...options, data, loss: (b) => this.loss(batchExamples(b, 'Tiny.fit')) });
  }
  reconstruct(x: tf.Tensor): tf.Tensor {
    return this.batched(x, 2, 'reconstruct', (b) => this.likelihood.mean(this.decoder.apply(this.encoder.apply(b))));
  }
  save(url: tf.io.IOHandler): Promise<tf.io.SaveResult> {
    return this.saveRecord(url, 'elbo/tiny', { note: 'settings ride along' });
  }
  static load(url: tf.io.IOHandler): Promise<TinyAutoencoder> {
    return EncoderDecoderModel.loadRecord(url, 'elbo/tiny', 'Tiny.load', ({ parts, config }: LoadedLayers) => {
      expect(config.note).toBe('settings ride along');
      return new TinyAutoencoder({
        encoder: parts.encoder!,
        decoder: parts.decoder!,
        likelihood: Likelihood.fromConfig(config.likelihood as never),
      });
    });
  }
}

/** An in-memory IO handler: what save wrote, load reads. */
function memory(): tf.io.IOHandler & { artifacts?: tf.io.ModelArtifacts } {
  const handler: tf.io.IOHandler & { artifacts?: tf.io.ModelArtifacts } = {
    save: async (artifacts) => {
      handler.artifacts = artifacts;
      return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
    },
    load: async () => handler.artifacts!,
  };
  return handler;
}

describe('EncoderDecoderModel', () => {
  it('rejects parts that are not layers, naming them and what came', () => {
    const decoder = mlp([2, 4]);
    expect(() => new TinyAutoencoder({ encoder: {} as never, decoder })).toThrow(
      'Tiny: encoder must be a layer from @elbo/nn (e.g. mlp([...]) or sequential([...])), got an object',
    );
    expect(() => new TinyAutoencoder(null as never)).toThrow('Tiny: options must be an object with encoder and decoder, got null');
    decoder.dispose();
  });

  it('rejects a squashing decoder under a Bernoulli likelihood and a decoder that does not give back the input shape', () => {
    const encoder = mlp([4, 2]);
    const sigmoidOut = mlp([2, 4], { outputActivation: 'sigmoid' });
    expect(() => new TinyAutoencoder({ encoder, decoder: sigmoidOut })).toThrow(
      "Tiny: a bernoulli likelihood reads logits, so the decoder must end without an activation ('linear'), got 'sigmoid'",
    );
    // the Gaussian takes any output as its mean
    expect(() => new TinyAutoencoder({ encoder, decoder: sigmoidOut, likelihood: 'gaussian' })).not.toThrow();
    const wrongWidth = mlp([2, 5]);
    expect(() => new TinyAutoencoder({ encoder, decoder: wrongWidth })).toThrow(
      "Tiny: the decoder must give back the encoder's input shape [4], but it outputs [5]",
    );
    tf.dispose([...encoder.trainableVariables, ...sigmoidOut.trainableVariables, ...wrongWidth.trainableVariables]);
  });

  it('takes the item shape of image stacks and sums the likelihood over all its axes', async () => {
    await expectNoLeaks(async () => {
      const encoder = sequential([flatten(), linear({ inputDim: 12, outputDim: 3 })], { inputShape: [2, 3, 2] });
      const decoder = sequential([linear({ inputDim: 3, outputDim: 12 }), reshape([2, 3, 2])]);
      const model = new TinyAutoencoder({ encoder, decoder });
      expect(model.inputShape).toEqual([2, 3, 2]);
      expect(model.likelihood.eventRank).toBe(3);
      const x = tf.fill([5, 2, 3, 2], 0.5);
      const y = model.reconstruct(x);
      expect(y.shape).toEqual([5, 2, 3, 2]);
      const flat = tf.fill([5, 12], 0.5);
      expect(() => model.reconstruct(flat)).toThrow('Tiny.reconstruct: x must have shape [n, 2, 3, 2], got [5, 12]');
      tf.dispose([x, y, flat]);
      model.dispose();
    });
  });

  it('checks data before the first step: wrong width or outside the support changes no weight', async () => {
    const model = new TinyAutoencoder({ encoder: mlp([4, 2]), decoder: mlp([2, 4]) });
    const before = model.trainableVariables.map((v) => v.dataSync().slice());
    const wide = tf.zeros([8, 5]);
    const outside = tf.fill([8, 4], 2);
    const fine = tf.fill([8, 4], 0.5);
    await expect(model.fit(wide)).rejects.toThrow('Tiny.fit: data must have shape [n, 4], got [8, 5]');
    await expect(model.fit(outside)).rejects.toThrow(/Tiny\.fit: data must be in the unit interval \[0, 1\], got 2 at index \[0, 0\]/);
    await expect(model.fit(fine, { validationData: wide })).rejects.toThrow('Tiny.fit: validationData must have shape [n, 4], got [8, 5]');
    model.trainableVariables.forEach((v, i) => expect(Array.from(v.dataSync())).toEqual(Array.from(before[i]!)));
    const history = await model.fit(fine, { epochs: 2 });
    expect(history.history.loss).toHaveLength(2);
    tf.dispose([wide, outside, fine]);
    model.dispose();
  });

  it('saves and loads the whole model through one record, bit for bit, learned likelihood scale included', async () => {
    const likelihood = new Likelihood({ name: 'gaussian', sigma: 0.3, learnSigma: true });
    const model = new TinyAutoencoder({
      encoder: mlp([4, 3], { seed: 1 }),
      decoder: sequential([linear({ inputDim: 3, outputDim: 4 }), activation('tanh')]),
      likelihood,
    });
    const handler = memory();
    await model.save(handler);
    const loaded = await TinyAutoencoder.load(handler);
    expect(loaded.likelihood.sigma()).toBeCloseTo(0.3, 6);
    expect(loaded.likelihood.trainableVariables).toHaveLength(1);
    const x = tf.randomNormal([3, 4], 0, 1, 'float32', 5);
    const [a, b] = [model.reconstruct(x), loaded.reconstruct(x)];
    expect(Array.from(b.dataSync())).toEqual(Array.from(a.dataSync()));
    tf.dispose([x, a, b]);
    model.dispose();
    loaded.dispose();
  });

  it('rejects a given Likelihood whose event rank is not the item rank', () => {
    const encoder = mlp([4, 2]);
    const decoder = mlp([2, 4]);
    const likelihood = new Likelihood('bernoulli', { eventRank: 3 });
    expect(() => new TinyAutoencoder({ encoder, decoder, likelihood })).toThrow(
      "Tiny: the likelihood's eventRank must be the data's item rank 1, got 3",
    );
    encoder.dispose();
    decoder.dispose();
  });
});

describe('EncoderDecoderModel with convolutional stacks', () => {
  const encoder = () =>
    sequential(
      [
        conv2d({ inChannels: 1, outChannels: 4, kernelSize: 3, stride: 2, padding: 1, activation: 'relu' }), // [14, 14, 4]
        conv2d({ inChannels: 4, outChannels: 8, kernelSize: 3, stride: 2, padding: 1, activation: 'relu' }), // [7, 7, 8]
        flatten(),
        linear({ inputDim: 392, outputDim: 6 }),
      ],
      { inputShape: [28, 28, 1] },
    );
  const decoder = (lastOutputPadding: number, activation: 'linear' | 'sigmoid' = 'linear') =>
    sequential([
      linear({ inputDim: 6, outputDim: 392, activation: 'relu' }),
      reshape([7, 7, 8]),
      convTranspose2d({ inChannels: 8, outChannels: 4, kernelSize: 3, stride: 2, padding: 1, outputPadding: 1, activation: 'relu' }),
      convTranspose2d({
        inChannels: 4,
        outChannels: 1,
        kernelSize: 3,
        stride: 2,
        padding: 1,
        outputPadding: lastOutputPadding,
        activation,
      }),
    ]);

  it('takes a conv encoder and decoder that give back [28, 28, 1] and reconstructs images', async () => {
    await expectNoLeaks(() => {
      const model = new TinyAutoencoder({ encoder: encoder(), decoder: decoder(1) });
      expect(model.inputShape).toEqual([28, 28, 1]);
      expect(model.likelihood.eventRank).toBe(3);
      const x = tf.fill([3, 28, 28, 1], 0.5);
      const y = model.reconstruct(x);
      expect(y.shape).toEqual([3, 28, 28, 1]);
      tf.dispose([x, y]);
      model.dispose();
    });
  });

  it('rejects a conv decoder that gives [27, 27, 1] for [28, 28, 1] images, and one that ends in a sigmoid under Bernoulli', () => {
    const [e, short, squashed] = [encoder(), decoder(0), decoder(1, 'sigmoid')];
    expect(short.finalShape).toEqual([27, 27, 1]);
    expect(() => new TinyAutoencoder({ encoder: e, decoder: short })).toThrow(
      "Tiny: the decoder must give back the encoder's input shape [28, 28, 1], but it outputs [27, 27, 1]",
    );
    expect(() => new TinyAutoencoder({ encoder: e, decoder: squashed })).toThrow(
      "Tiny: a bernoulli likelihood reads logits, so the decoder must end without an activation ('linear'), got 'sigmoid'",
    );
    [e, short, squashed].forEach((m) => m.dispose());
  });
});
