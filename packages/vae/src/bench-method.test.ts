import { describe, expect, it } from 'vitest';
// The method every speed figure of the benches comes from (issue #18), tested where the benches live.
import {
  UNSTABLE_SPREAD,
  interleavedRounds,
  pinnedThreadsEnv,
  quantile,
  ratioOrRefusal,
  summarize,
  // @ts-expect-error: a plain ESM script without types
} from '../../../tooling/bench-method.mjs';

describe('the benchmark method (tooling/bench-method.mjs)', () => {
  it('quantiles interpolate between order statistics', () => {
    expect(quantile([3, 1, 2, 4], 0.5)).toBe(2.5);
    expect(quantile([10, 20, 30, 40, 50], 0.1)).toBeCloseTo(14, 12);
    expect(quantile([7], 0.1)).toBe(7);
  });

  it('summarizes min, p10, median, max and calls a side unstable when median / p10 exceeds the limit', () => {
    const steady = summarize([1.0, 1.02, 0.99, 1.01, 1.0]);
    expect(steady).toMatchObject({ n: 5, min: 0.99, max: 1.02, median: 1.0, stable: true });
    // PyTorch's two modes on these machines: 7 ms and 24 ms steps
    const twoModes = summarize([7.1, 7.3, 24.4, 23.9, 7.2, 24.1, 24.0]);
    expect(twoModes.spread).toBeGreaterThan(UNSTABLE_SPREAD);
    expect(twoModes.stable).toBe(false);
  });

  it('refuses a ratio when either side is unstable, saying which and why', () => {
    const elbo = summarize([10, 10.2, 9.9]);
    const steadyPeer = summarize([5, 5.1, 5.05]);
    const unsteadyPeer = summarize([5, 20, 21, 22, 20.5]);
    const ok = ratioOrRefusal(elbo, steadyPeer);
    expect(ok.ratio).toBeCloseTo(10 / 5.05, 12);
    expect(ok.text).toMatch(/^1\.98x \(medians; 1\.98x best against best\)$/);
    const refused = ratioOrRefusal(elbo, unsteadyPeer);
    expect(refused.ratio).toBeNull();
    expect(refused.text).toMatch(/^no ratio: the peer is unstable \(median 20\.50 is 1\.86x its 10th percentile 11\.00; limit 1\.3x\)$/);
    // rates: higher is better, best against best is max / max
    const rate = ratioOrRefusal(summarize([80, 82, 84]), summarize([100, 101, 102]), { lowerIsBetter: false });
    expect(rate.text).toMatch(/^0\.81x \(medians; 0\.82x best against best\)$/);
  });

  it('runs every side once a round in a rotated order, each capped at its own rounds, awaiting async measures', async () => {
    const order: string[] = [];
    const sides = [{ key: 'a' }, { key: 'b', rounds: 1 }, { key: 'c' }];
    const results = await interleavedRounds(sides, 3, async (side: { key: string }, round: number) => {
      order.push(`${side.key}${round}`);
      return side.key === 'c' && round === 1 ? null : round;
    });
    expect(order).toEqual(['a0', 'b0', 'c0', 'c1', 'a1', 'c2', 'a2']);
    expect(results).toEqual({ a: [0, 1, 2], b: [0], c: [0, 2] });
  });

  it("pins PyTorch's thread pools", () => {
    expect(pinnedThreadsEnv(2)).toEqual({ OMP_NUM_THREADS: '2', MKL_NUM_THREADS: '2', OPENBLAS_NUM_THREADS: '2' });
  });
});
