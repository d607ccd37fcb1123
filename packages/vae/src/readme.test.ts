import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runReadmeExample } from '../../../tooling/testing';

describe('README example', () => {
  it('trains, samples, interpolates and estimates log p(x)', async () => {
    const { result } = (await runReadmeExample(resolve(__dirname, '..'))) as {
      result: { history: Record<string, number[]>; samples: number[]; path: number[]; logPx: number; standardError: number };
    };
    expect(result.history.loss![1]!).toBeLessThan(result.history.loss![0]!);
    expect(result.history.kl![1]!).toBeGreaterThan(0);
    expect(result.samples).toEqual([16, 784]);
    expect(result.path).toEqual([8, 784]);
    expect(Number.isFinite(result.logPx) && result.logPx < 0).toBe(true);
    expect(result.standardError).toBeGreaterThan(0);
  });

  it('log p(x) = ELBO + KL(q || p(z|x)) on a linear-Gaussian VAE, to float64 rounding', async () => {
    const { result } = (await runReadmeExample(resolve(__dirname, '..'), { after: '## Why the ELBO' })) as {
      result: { worst: number; minKl: number; covariance: number[][] };
    };
    expect(result.worst).toBeLessThan(1e-9);
    expect(result.minKl).toBeGreaterThan(0);
    expect(result.covariance.map((r) => r.length)).toEqual([3, 3, 3]);
  });

  it('fits an outlier score on training digits and tells blank images and dots from held-out digits', async () => {
    const { result } = (await runReadmeExample(resolve(__dirname, '..'), { after: '## Which images are like the training set' })) as {
      result: { aurocBlank: number; aurocDots: number; flaggedDots: number; saved: number };
    };
    expect(result.aurocBlank).toBeGreaterThan(0.9);
    expect(result.aurocDots).toBeGreaterThan(0.9);
    expect(result.flaggedDots).toBeGreaterThan(0.5);
    expect(result.saved).toBeGreaterThan(1000);
  }, 120_000);
});
