import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as tf from '@tensorflow/tfjs-core';
import { expect, it } from 'vitest';
import { runReadmeExample } from '../../../tooling/testing';

it('runs the README example, which frees every tensor it makes', async () => {
  const before = tf.memory().numTensors;
  const example = await runReadmeExample(resolve(dirname(fileURLToPath(import.meta.url)), '..'));
  expect(example.mnistShapes).toEqual([[8000, 784], [2000]]);
  expect(example.factorNames).toEqual(['length', 'angle', 'width', 'intensity', 'x', 'y']);
  expect(tf.memory().numTensors).toBe(before);
});
