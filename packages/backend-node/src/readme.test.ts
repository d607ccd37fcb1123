import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect, it } from 'vitest';
import { runReadmeExample } from '../../../tooling/testing';

it('runs the README example', async () => {
  const example = await runReadmeExample(resolve(dirname(fileURLToPath(import.meta.url)), '..'));
  expect(example.gradient).toEqual([2, 4, 6]);
});
