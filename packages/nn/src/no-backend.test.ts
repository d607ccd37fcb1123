import { execFileSync } from 'node:child_process';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const packageDir = resolve(dirname(fileURLToPath(import.meta.url)), '..');

/** Runs an ES module in a fresh Node process from this package's folder (so its dependencies resolve); returns stderr. */
function runFresh(source: string): string {
  try {
    execFileSync(process.execPath, ['--input-type=module', '-e', source], { cwd: packageDir, encoding: 'utf8', stdio: 'pipe' });
    return '';
  } catch (error) {
    return String((error as { stderr?: string }).stderr ?? error);
  }
}

describe('with no backend selected (an app that imported only tfjs-core and elbo)', () => {
  it('making a layer says so and names selectBackend, instead of tfjs\' bare "No backend found in registry"', () => {
    const out = runFresh(`import { mlp } from '${resolve(packageDir, 'dist/index.js')}'; mlp([4, 2]);`);
    expect(out).toMatch(/Linear: no TensorFlow\.js backend is registered.*await selectBackend\(\)/);
  });
});
