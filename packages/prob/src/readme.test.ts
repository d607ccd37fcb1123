import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect, it } from 'vitest';
import { backendTolerance, expectClose, runReadmeExample } from '../../../tooling/testing';
import { ref } from './testing/reference';

it('the README example runs and prints what it says', async () => {
  const mod = await runReadmeExample(resolve(dirname(fileURLToPath(import.meta.url)), '..'));
  expectClose(mod.kl as number, ref.kl.diag_normal_vs_standard[1].kl, { rtol: backendTolerance() });
  expect(mod.bits).toBe(2);
  expect(Number.isFinite(mod.logQ as number)).toBe(true);
});
