import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { stderrOfFreshNode } from '../../../tooling/testing';

const packageDir = resolve(dirname(fileURLToPath(import.meta.url)), '..');

const runFresh = (source: string): Promise<string> => stderrOfFreshNode(source, packageDir);

describe('with no backend selected (an app that imported only tfjs-core and elbo)', () => {
  it('making a layer says so and names selectBackend, instead of tfjs\' bare "No backend found in registry"', async () => {
    const out = await runFresh(`import { mlp } from '${resolve(packageDir, 'dist/index.js')}'; mlp([4, 2]);`);
    expect(out).toMatch(/Linear: no TensorFlow\.js backend is registered.*await selectBackend\(\)/);
  });
});
