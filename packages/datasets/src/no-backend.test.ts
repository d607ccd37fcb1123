import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { stderrOfFreshNode } from '../../../tooling/testing';

const packageDir = resolve(dirname(fileURLToPath(import.meta.url)), '..');

const runFresh = (source: string): Promise<string> => stderrOfFreshNode(source, packageDir);

describe('with no backend selected (an app that imported only tfjs-core and elbo)', () => {
  it('mnist() and lines() say so and name selectBackend, instead of tfjs\' bare "No backend found in registry"', async () => {
    const mnist = await runFresh(`import { mnist } from '${resolve(packageDir, 'dist/index.js')}'; await mnist();`);
    expect(mnist).toMatch(/mnist: no TensorFlow\.js backend is registered.*await selectBackend\(\)/);
    const lines = await runFresh(`import { lines } from '${resolve(packageDir, 'dist/index.js')}'; lines({ n: 2, size: 8 });`);
    expect(lines).toMatch(/lines: no TensorFlow\.js backend is registered.*@elbo\/backend-node/);
  });
});
