import { describe, expect, it } from 'vitest';
import { cyclicalAnnealing, linearWarmup } from './schedules';

describe('KL annealing schedules', () => {
  it('linearWarmup rises linearly from `from` to `to` over `steps`, then holds', () => {
    const beta = linearWarmup({ steps: 100, from: 0.2, to: 1 });
    [0.2, 0.6, 1, 1].forEach((want, i) => expect(beta([0, 50, 100, 1000][i]!)).toBeCloseTo(want, 12));
    expect(() => linearWarmup({ steps: 0 })).toThrow(/steps must be an integer >= 1, got 0/);
    expect(() => linearWarmup({ steps: 10, to: -1 })).toThrow(/to must be a finite number >= 0, got -1/);
  });

  it('cyclicalAnnealing restarts every period, rising over `ratio` of it, and holds after `cycles`', () => {
    const beta = cyclicalAnnealing({ period: 100, ratio: 0.5, to: 2, cycles: 2 });
    expect([0, 25, 50, 99, 100, 125, 200, 350].map(beta)).toEqual([0, 1, 2, 2, 0, 1, 2, 2]);
    expect(() => cyclicalAnnealing({ period: 10, ratio: 0 })).toThrow(/ratio must be in \(0, 1\], got 0/);
  });
});
