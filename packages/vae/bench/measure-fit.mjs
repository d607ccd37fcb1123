// One measurement of the whole-epoch speed bench, the same in Node (epochs-child.mjs) and in the browser
// (examples/web-explorer/bench/epochs-page.ts): the fit timed per epoch and per step, the test loss, and
// log p(x) (K = 500) timed. Takes the caller's tfjs module, so a page bundles it with its own copy.

/**
 * @param tf - the caller's `@tensorflow/tfjs-core`.
 * @param model - an elbo model with `fit`; a VAE (with `elbo`) or an autoencoder (with `negLogLikelihood`).
 * @param settings - `{ train, test, epochs, fitOptions, iwaeImages, selection }`: the data as the model takes
 *   it, `fitOptions` (batchSize, optimizer, parallel...) passed to `fit`, `iwaeImages` test images whose
 *   log p(x) is timed (0 skips it; the VAE only), `selection` the backend selection ({ name, reason }).
 * @returns `{ side, reason, epochSeconds, fitSeconds, stepMs, testLoss, iwaeImagesPerSecond? }`.
 */
export async function measureFit(tf, model, { train, test, epochs, fitOptions, iwaeImages, selection }) {
  const epochSeconds = [];
  const stepMs = [];
  let lastEpoch = performance.now();
  let lastStep = lastEpoch;
  // the loss is read back every step (fit's logs), so each stamp follows a finished step
  const callbacks = {
    onBatchEnd: () => {
      const now = performance.now();
      stepMs.push(now - lastStep);
      lastStep = now;
    },
    onEpochEnd: () => {
      const now = performance.now();
      epochSeconds.push((now - lastEpoch) / 1000);
      lastEpoch = lastStep = now;
    },
  };
  await model.fit(train, { epochs, seed: 0, ...fitOptions, callbacks });
  const result = {
    side: selection.name,
    reason: selection.reason,
    epochSeconds,
    fitSeconds: epochSeconds.reduce((s, v) => s + v, 0),
    stepMs,
    testLoss: await testLossOf(tf, model, test),
  };
  if (typeof model.logLikelihood === 'function' && iwaeImages > 0) {
    const x = tf.slice(test, 0, iwaeImages);
    const t0 = performance.now();
    model.logLikelihood(x, { samples: 500, seed: 1234 });
    result.iwaeImagesPerSecond = iwaeImages / ((performance.now() - t0) / 1000);
    x.dispose();
  }
  return result;
}

/** Mean test loss per image: the one-sample -ELBO of a VAE, the negative log-likelihood of an autoencoder. */
async function testLossOf(tf, model, test) {
  const perImage = typeof model.elbo === 'function' ? model.elbo(test, { samples: 1, seed: 1000 }) : { nll: model.negLogLikelihood(test) };
  const mean = tf.mean(perImage.elbo ?? perImage.nll);
  const value = (await mean.data())[0];
  tf.dispose([mean, ...Object.values(perImage)]);
  return perImage.elbo != null ? -value : value;
}
