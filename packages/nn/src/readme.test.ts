import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect, it } from 'vitest';
import { runReadmeExample } from '../../../tooling/testing';

it('the README example runs and gives what it says', async () => {
  const mod = await runReadmeExample(resolve(dirname(fileURLToPath(import.meta.url)), '..'));
  expect(mod.shape).toEqual([8, 28, 28, 1]);
  expect(mod.names).toEqual(['layer0/kernel', 'layer0/bias', 'layer1/kernel', 'layer1/bias']);
  expect(mod.twinOut).toEqual([8, 2]);
});

it('the convolutional example runs and gives what it says', async () => {
  const mod = await runReadmeExample(resolve(dirname(fileURLToPath(import.meta.url)), '..'), { after: '## Convolutional layers' });
  expect(mod.finalShape).toEqual([28, 28, 1]);
  expect(mod.shape).toEqual([8, 28, 28, 1]);
});
