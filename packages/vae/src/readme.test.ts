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
});
