import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect, it } from 'vitest';
import { runReadmeExample } from '../../../tooling/testing';

it('runs the README example: PCA vs the linear autoencoder on real digits', async () => {
  const out = await runReadmeExample(resolve(dirname(fileURLToPath(import.meta.url)), '..'));
  const { varianceKept, largestAngle, errors } = out as {
    varianceKept: number;
    largestAngle: number;
    errors: { autoencoder: number; pca: number };
  };
  expect(varianceKept).toBeGreaterThan(0.6); // 20 components keep ~65% of the variance of MNIST (a bit more of a 1000-digit subset)
  expect(varianceKept).toBeLessThan(0.75);
  expect(largestAngle).toBeGreaterThan(0);
  expect(largestAngle).toBeLessThanOrEqual(90);
  expect(errors.pca).toBeLessThan(1e-4);
  expect(errors.autoencoder).toBeGreaterThan(1);
}, 120_000);
