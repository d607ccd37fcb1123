import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as tf from '@tensorflow/tfjs-core';
import { expect, it } from 'vitest';
import { runReadmeExample } from '../../../tooling/testing';

const packageDir = resolve(dirname(fileURLToPath(import.meta.url)), '..');

it('runs the README example, which frees every tensor it makes', async () => {
  const before = tf.memory().numTensors;
  const example = await runReadmeExample(packageDir);
  expect(example.mnistShapes).toEqual([[8000, 784], [2000]]);
  expect(example.factorNames).toEqual(['length', 'angle', 'width', 'intensity', 'x', 'y']);
  expect(tf.memory().numTensors).toBe(before);
});

it('runs the README file and streaming example', async () => {
  const before = tf.memory().numTensors;
  const example = await runReadmeExample(packageDir, { after: '## Node: files and streaming' });
  expect(example.results).toEqual({ data: [1, 2, 3, 4], shape: [2, 2], seen: 500 });
  expect(tf.memory().numTensors).toBe(before);
});

it('runs the README image folder example (Node, with sharp)', async () => {
  const before = tf.memory().numTensors;
  const example = await runReadmeExample(packageDir, { after: '## Your own images (Node)' });
  expect(example.results).toEqual({ labelNames: ['blue', 'red'], seen: 10, shape: [10, 32, 32, 3] });
  expect(tf.memory().numTensors).toBe(before);
});
