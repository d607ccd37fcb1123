import { createRequire } from 'node:module';

const PACKAGES = [
  '@elbo/cli',
  '@elbo/vae',
  '@elbo/autoencoder',
  '@elbo/linear',
  '@elbo/datasets',
  '@elbo/backend-node',
  '@tensorflow/tfjs-core',
];

/**
 * The installed versions of the packages a run depends on, for run.json.
 * @example
 * ```ts
 * packageVersions()['@elbo/vae']; // '0.0.0'
 * ```
 */
export function packageVersions(): Record<string, string> {
  const require = createRequire(import.meta.url);
  const out: Record<string, string> = {};
  for (const name of PACKAGES) {
    try {
      out[name] = (require(`${name}/package.json`) as { version: string }).version;
    } catch {
      out[name] = 'unknown';
    }
  }
  return out;
}
