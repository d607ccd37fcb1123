import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
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

it('runs the README file and streaming example (its second ts block)', async () => {
  const blocks = [...readFileSync(resolve(packageDir, 'README.md'), 'utf8').matchAll(/```ts\n([\s\S]*?)```/g)];
  expect(blocks.length).toBe(2);
  const dir = mkdtempSync(resolve(packageDir, '.readme-example-'));
  try {
    writeFileSync(resolve(dir, 'node-example.ts'), blocks[1]![1]!);
    const before = tf.memory().numTensors;
    const example = (await import(/* @vite-ignore */ resolve(dir, 'node-example.ts'))) as { results: unknown };
    expect(example.results).toEqual({ data: [1, 2, 3, 4], shape: [2, 2], seen: 500 });
    expect(tf.memory().numTensors).toBe(before);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
