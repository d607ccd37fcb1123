import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { expectNoLeaks } from '../../../tooling/testing';
import { TEST_BACKENDS, useBackend } from '../test/backends';
import { checkMatMulGradient } from './smoke-check';

for (const backend of TEST_BACKENDS)
  describe(`checkMatMulGradient (backend ${backend})`, () => {
    beforeAll(() => useBackend(backend));

    it('passes on a backend that computes correctly, leaving no tensors', async () => {
      await expectNoLeaks(() => checkMatMulGradient());
    });

    it('fails with both numbers when the gradient is wrong', async () => {
      const original = tf.getGradient(tf.BatchMatMul)!;
      // A gradient that forgets x^T: d/dW = dy instead of x^T dy.
      tf.registerGradient({
        ...original,
        gradFunc: (dy) => ({ a: () => tf.zerosLike(dy as tf.Tensor), b: () => tf.onesLike(dy as tf.Tensor) }),
      });
      try {
        await expect(checkMatMulGradient()).rejects.toThrow(
          'matMul gradient check failed: got value 54 and gradient [1, 1, 1, 1], expected 54 and [4, 4, 6, 6]',
        );
      } finally {
        tf.registerGradient(original);
      }
    });
  });
