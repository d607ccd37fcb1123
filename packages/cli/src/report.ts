import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { lossChart } from './charts';
import { escapeHtml, pngFigure, renderPage, type Section } from './html-page';
import { imageGrid } from './image-grid';
import { latentMap } from './latent-map';
import { SCORE_NAMES, type RunModel } from './models';
import type { RunRecord } from './run-folder';
import { scoreReference, typicality, type ScoreReference } from './typicality';

/** The ids of the report's sections, in order (tests look for each). */
export const REPORT_SECTIONS = ['loss', 'reconstructions', 'samples', 'interpolations', 'latent-map', 'typical'] as const;

/**
 * Writes report.html (self-contained) and its figures as PNG/SVG files into `dir`.
 * @param images - every image read, [n, h, w, c]; `files` their names.
 * @returns the mean and sd of the training images' scores, that typicality is measured against.
 * @example
 * ```ts
 * await writeReport(dir, { model, run, images, files, validationIndices });
 * ```
 */
export async function writeReport(
  dir: string,
  input: { model: RunModel; run: RunRecord; images: tf.Tensor4D; files: readonly string[]; validationIndices: Int32Array; seed: number },
): Promise<ScoreReference> {
  const { model, run, images, files, seed } = input;
  const validation = new Set(Array.from(input.validationIndices));
  const shape = images.shape.slice(1) as [number, number, number];
  const scale = Math.max(1, Math.round(48 / Math.max(shape[0], shape[1])));
  const grid = async (t: tf.Tensor, columns: number) => imageGrid(await t.data(), t.shape, { columns, scale });
  const sections: Section[] = [];
  const save = async (name: string, png: Buffer) => {
    await writeFile(join(dir, name), png);
    return png;
  };

  const hasHistory = Object.keys(run.history).length > 0;
  sections.push({
    id: 'loss',
    title: 'Loss curves',
    html: hasHistory
      ? `<p>Negative ELBO (VAE) or negative log-likelihood (autoencoder) per image, on the training images and the ${(run.settings.validation * 100).toFixed(0)}% held out for validation.${run.kind.endsWith('vae') ? ' For VAEs the reconstruction term and the KL term are drawn too.' : ''}</p><figure>${await lossChart(run.history)}</figure>`
      : `<p class="note">PCA is fitted in one step (no epochs), so there is no loss curve.</p>`,
  });

  const pick = (indices: ArrayLike<number>, count: number) => Array.from(indices).slice(0, count);
  const shown = pick(
    input.validationIndices.length >= 8 ? input.validationIndices : Int32Array.from({ length: images.shape[0] }, (_, i) => i),
    8,
  );
  const originals = tf.gather(images, shown);
  const reconstructions = model.reconstruct(originals);
  const both = tf.concat([originals, reconstructions]);
  const recPng = await save('reconstructions.png', await grid(both, shown.length));
  tf.dispose([originals, reconstructions, both]);
  sections.push({
    id: 'reconstructions',
    title: 'Reconstructions',
    html: `<p>Held-out images (top row) and the model's reconstructions (bottom row).</p>${pngFigure(recPng, 'originals above, reconstructions below', 'reconstructions.png')}`,
  });

  const samples = model.sample(32, seed, 'codes');
  const samplePng = await save('report-samples.png', await grid(samples, 8));
  samples.dispose();
  const vae = run.kind === 'conv-vae' || run.kind === 'vae';
  const how = {
    'conv-vae':
      "decoder means at codes drawn from a Gaussian fitted to the training images' posterior means (Ghosh et al. 2020's ex-post density)",
    vae: "decoder means at codes drawn from a Gaussian fitted to the training images' posterior means (Ghosh et al. 2020's ex-post density)",
    ae: 'decoded codes drawn from a Gaussian fitted to the training codes',
    pca: 'drawn from the probabilistic-PCA Gaussian, clipped to [0, 1]',
  }[run.kind];
  let priorHtml = '';
  if (vae) {
    const prior = model.sample(32, seed, 'prior');
    const priorPng = await save('report-prior-samples.png', await grid(prior, 8));
    prior.dispose();
    priorHtml =
      `<p>The same decoder at z drawn from the prior N(0, I), the VAE's own generative model. Where these look worse, ` +
      `the training codes do not fill the prior: the aggregate posterior has holes and a shifted centre that the prior's draws fall into.</p>` +
      pngFigure(priorPng, '32 samples from the prior', 'report-prior-samples.png');
  }
  sections.push({
    id: 'samples',
    title: 'Samples',
    html: `<p>New images: ${how}.</p>${pngFigure(samplePng, '32 samples', 'report-samples.png')}${priorHtml}`,
  });

  const n = images.shape[0];
  const pairs = Math.min(4, Math.floor(n / 2));
  const rows: tf.Tensor[] = [];
  for (let p = 0; p < pairs; p++) {
    const [a, b] = [(p * 2 * 7919) % n, ((p * 2 + 1) * 7919 + 1) % n];
    rows.push(
      tf.tidy(() => {
        const z = model.encode(tf.gather(images, [a, b]));
        const t = tf.reshape(tf.linspace(0, 1, 8), [8, 1]);
        const [za, zb] = [tf.slice(z, 0, 1), tf.slice(z, 1, 1)];
        return model.decode(tf.add(za, tf.mul(t, tf.sub(zb, za))) as tf.Tensor2D);
      }),
    );
  }
  if (rows.length > 0) {
    const all = tf.concat(rows);
    const png = await save('interpolations.png', await grid(all, 8));
    tf.dispose([all, ...rows]);
    sections.push({
      id: 'interpolations',
      title: 'Interpolations',
      html: `<p>Each row decodes 8 evenly spaced points on the straight line between the latent means of two training images.</p>${pngFigure(png, 'interpolations between pairs of images', 'interpolations.png')}`,
    });
  } else {
    sections.push({ id: 'interpolations', title: 'Interpolations', html: '<p class="note">Needs at least two images.</p>' });
  }

  const codes = model.encode(images);
  const map = await latentMap(codes, images);
  codes.dispose();
  await writeFile(join(dir, 'latent-map.svg'), map);
  sections.push({
    id: 'latent-map',
    title: 'Latent map',
    html: `<p>Every image's latent mean, projected onto the first two principal components of the means; thumbnails show some of the images at their points.</p><figure>${map}<figcaption>latent map <code>latent-map.svg</code></figcaption></figure>`,
  });

  const scores = await model.score(images, seed);
  const trainingScores = Array.from(scores).filter((_, i) => !validation.has(i));
  const reference = scoreReference(trainingScores.length > 1 ? trainingScores : scores);
  const typical = typicality(scores, reference);
  const order = Array.from(typical.keys()).sort((i, j) => typical[i]! - typical[j]!);
  const k = Math.min(16, Math.ceil(n / 2));
  const least = order.slice(0, k);
  const most = order.slice(-k).reverse();
  const figure = async (indices: number[], name: string, caption: string) => {
    const t = tf.gather(images, indices);
    const png = await save(name, await grid(t, 8));
    t.dispose();
    return pngFigure(png, caption, name);
  };
  const table = (indices: number[]) =>
    `<table><tr><th>file</th><th class="num">score</th><th class="num">typicality</th></tr>${indices
      .map(
        (i) =>
          `<tr><td>${escapeHtml(files[i] ?? `#${i}`)}</td><td class="num">${scores[i]!.toFixed(2)}</td><td class="num">${typical[i]!.toFixed(2)}</td></tr>`,
      )
      .join('')}</table>`;
  sections.push({
    id: 'typical',
    title: 'Least and most typical images',
    html:
      `<p>Score per image: ${escapeHtml(SCORE_NAMES[run.kind])}. The images are ranked by typicality, ` +
      `<code>-|score - m| / s</code> with m = ${reference.mean.toFixed(1)} and s = ${reference.sd.toFixed(1)} the mean and standard deviation of the score over ${reference.images} training images ` +
      `(the one-image typicality test of Nalisnick et al. 2019), not by the score itself: a likelihood ranks the simplest images (flat colour, a small mark on white) ` +
      `above every training image, and such a score is as unlike the training images' as a very low one.</p>` +
      `${await figure(least, 'least-typical.png', `the ${k} least typical, least first`)}${await figure(most, 'most-typical.png', `the ${k} most typical, most first`)}` +
      `<h3>Least typical</h3>${table(least)}`,
  });

  const lines = [
    `${run.kind} on ${run.source.images} images from ${run.source.path} (${shape[0]}x${shape[1]}, ${shape[2] === 3 ? 'RGB' : 'grey'}${run.source.skipped > 0 ? `; ${run.source.skipped} unreadable skipped` : ''})`,
    `latent ${run.settings.latent}, ${run.history.loss?.length ?? 0} epoch(s) of ${run.settings.epochs}, batch ${run.settings.batchSize}, learning rate ${run.settings.learningRate}, seed ${run.settings.seed}${run.interrupted ? ' (interrupted by Ctrl-C: the model is the last one completed)' : ''}`,
  ];
  await writeFile(join(dir, 'report.html'), renderPage(`elbo run: ${run.kind}`, lines, sections));
  return reference;
}
