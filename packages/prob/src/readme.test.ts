import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect, it } from 'vitest';
import { backendTolerance, expectClose, runReadmeExample } from '../../../tooling/testing';
import { ref } from './testing/reference';

const packageDir = resolve(dirname(fileURLToPath(import.meta.url)), '..');

/** Runs the first ```ts block under the README heading `## <heading>` as a module, returning its exports. */
async function runSection(heading: string): Promise<Record<string, unknown>> {
  const readme = readFileSync(resolve(packageDir, 'README.md'), 'utf8');
  const section = readme.split(`\n## ${heading}\n`)[1];
  const match = section == null ? null : /```ts\n([\s\S]*?)```/.exec(section);
  if (match == null) throw new Error(`README.md has no \`\`\`ts block under "## ${heading}"`);
  const dir = mkdtempSync(resolve(packageDir, '.readme-section-'));
  const file = resolve(dir, 'example.ts');
  writeFileSync(file, match[1]!);
  try {
    return (await import(/* @vite-ignore */ file)) as Record<string, unknown>;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

it('the README example runs and prints what it says', async () => {
  const mod = await runReadmeExample(packageDir);
  expectClose(mod.kl as number, ref.kl.diag_normal_vs_standard[1].kl, { rtol: backendTolerance() });
  expect(mod.bits).toBe(2);
  expect(Number.isFinite(mod.logQ as number)).toBe(true);
});

it('the "Training: fit" snippet runs and gives what its comments say', async () => {
  const mod = await runSection('Training: fit');
  expect(mod.epochs as number).toBeGreaterThan(0);
  expect(mod.epochs as number).toBeLessThanOrEqual(20);
  // w has learned the mean (3, 3): the loss left is the sum of the two variances, about 2
  expectClose(mod.valLoss as number, 2, { rtol: 0.2 });
  expect(mod.typed).toBe(true);
});

it('the "Likelihoods" snippet runs and gives what its comments say', async () => {
  const mod = await runSection('Likelihoods');
  expectClose(mod.logp as number, -Math.LN2, { rtol: 1e-5 });
  expect(mod.shape).toEqual([2, 1]);
  expect(mod.trainable).toBe(1);
  expect(mod.config).toMatchObject({ name: 'gaussian', learnSigma: true, eventRank: 1 });
  expectClose((mod.config as { sigma: number }).sigma, 0.5, { rtol: 1e-6 });
});

it('the "Scores" snippet gives what its comments say', async () => {
  const mod = await runSection('Scores: AUROC, ROC and a threshold');
  expect(mod.area).toBeCloseTo(11 / 12, 12);
  expect(mod.points).toBe(8);
  expect(mod.cut).toEqual({ threshold: 0.4, falsePositiveRate: 0.25 });
});
