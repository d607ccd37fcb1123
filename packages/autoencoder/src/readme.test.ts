import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { expectClose, runReadmeExample } from '../../../tooling/testing';

const packageDir = resolve(dirname(fileURLToPath(import.meta.url)), '..');

describe('README example', () => {
  it('runs, trains (validation loss falls), and leaves no tensors behind', async () => {
    const before = tf.memory().numTensors;
    const { result } = (await runReadmeExample(packageDir)) as {
      result: { valLoss: number[]; loss: number; mse: number; codeShape: number[] };
    };
    expect(result.codeShape).toEqual([256, 4]);
    expect(result.valLoss).toHaveLength(3);
    expect(result.valLoss[2]!).toBeLessThan(result.valLoss[0]!);
    expectClose(result.loss, [result.valLoss[2]!], { rtol: 1e-5 }); // evaluate(x) after training = the last validation on x
    expect(result.mse).toBeGreaterThan(0);
    expect(tf.memory().numTensors).toBe(before);
  });
});
