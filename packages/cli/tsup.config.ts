import { readFileSync } from 'node:fs';
import { packageBuild } from '../../tooling/tsup.shared.ts';

const { version } = JSON.parse(readFileSync(new URL('./package.json', import.meta.url), 'utf8')) as { version: string };

// The library entry (main, readRun) and the `elbo` bin; tsup keeps cli.ts's shebang and marks it
// executable. shims: import.meta.url works in the CJS build too (package versions for run.json).
export default packageBuild({
  entry: ['src/index.ts', 'src/cli.ts'],
  shims: true,
  define: { __ELBO_CLI_VERSION__: JSON.stringify(version) },
});
