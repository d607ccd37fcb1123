import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { orthonormalityError, principalAngles } from '@elbo/linear';
import { expectClose } from '../../../tooling/testing';

describe('principalAngles', () => {
  it('finds the known angles between two planes in R^4, whatever basis spans them', () => {
    const t = 0.3; // radians
    const a = [
      [1, 0],
      [0, 1],
      [0, 0],
      [0, 0],
    ];
    // span{cos t e1 + sin t e3, e2}, given through a non-orthonormal mix of its basis
    const u = [Math.cos(t), 0, Math.sin(t), 0];
    const v = [0, 1, 0, 0];
    const b = u.map((ui, i) => [2 * ui + v[i]!, -0.5 * v[i]! + 3 * ui]);
    expectClose(principalAngles(a, b, { unit: 'radians' }), [0, t], { atol: 1e-12 });
    expectClose(principalAngles(a, b), [0, (t * 180) / Math.PI], { atol: 1e-10 });
  });

  it('resolves tiny angles (sine branch) and right angles, with tensors', () => {
    const eps = 1e-9;
    const small = principalAngles([[1], [0]], [[Math.cos(eps)], [Math.sin(eps)]], { unit: 'radians' });
    expectClose(small, [eps], { rtol: 1e-6 });
    const a = tf.tensor2d([[1], [0]]);
    const b = tf.tensor2d([[0], [1]]);
    expectClose(principalAngles(a, b), [90], { atol: 1e-12 });
    tf.dispose([a, b]);
  });

  it('returns min(p, q) angles', () => {
    const a = [
      [1, 0, 0],
      [0, 1, 0],
      [0, 0, 1],
    ];
    expect(principalAngles(a, [[1], [1], [1]])).toHaveLength(1);
    expectClose(principalAngles(a, [[1], [1], [1]]), [0], { atol: 1e-6 });
  });

  it('rejects mismatched dimensions and bad units', () => {
    expect(() => principalAngles([[1], [0]], [[1], [0], [0]])).toThrow(/same number of rows \(dimension d\), got \[2, 1\] and \[3, 1\]/);
    expect(() => principalAngles([[1]], [[1]], { unit: 'grad' as 'degrees' })).toThrow(/unit must be 'degrees' or 'radians'/);
    expect(() => principalAngles([[NaN]], [[1]])).toThrow(/a must be finite, got NaN at index \[0, 0\]/);
  });
});

describe('orthonormalityError', () => {
  it('is ||U^T U - I||_F: 0 for orthonormal columns, the closed form otherwise', () => {
    const c = Math.SQRT1_2;
    expectClose(
      orthonormalityError([
        [c, c],
        [c, -c],
      ]),
      0,
      { atol: 1e-15 },
    );
    expect(
      orthonormalityError([
        [1, 0],
        [0, 2],
      ]),
    ).toBe(3);
    // U = [[1, 1], [0, 1]]: U^T U - I = [[0, 1], [1, 1]] -> sqrt(3)
    expectClose(
      orthonormalityError([
        [1, 1],
        [0, 1],
      ]),
      Math.sqrt(3),
      { rtol: 1e-15 },
    );
  });
});
