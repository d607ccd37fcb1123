import { describe, expect, it } from 'vitest';
import { scoreReference, typicality } from './typicality';

describe('typicality against the training scores', () => {
  it('takes the mean and the sample standard deviation', () => {
    const reference = scoreReference([2, 4, 4, 4, 5, 5, 7, 9]);
    expect(reference.mean).toBe(5);
    expect(reference.sd).toBeCloseTo(Math.sqrt(32 / 7), 12);
    expect(reference.images).toBe(8);
  });

  it('ranks a score far above the training scores as atypical as one far below', () => {
    const reference = { mean: -1000, sd: 50, images: 100 };
    const [typical, tooSimple, tooComplex] = typicality([-1010, -700, -1300], reference);
    expect(typical).toBeCloseTo(-0.2, 12);
    expect(tooSimple).toBeCloseTo(-6, 12);
    expect(tooComplex).toBeCloseTo(-6, 12);
  });

  it('stays finite when every training score is the same', () => {
    expect(Array.from(typicality([3, 4], scoreReference([3, 3])))).toEqual([-0, -1]);
  });
});
