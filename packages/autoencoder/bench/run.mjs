// `pnpm bench`: the package's benchmarks one after another (each in its own process, so
// peak-RSS figures are per bench).
import { spawnSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
let failed = false;
// (Training speed beside PyTorch: packages/vae/bench/epochs.bench.mjs, which trains this autoencoder too.)
for (const name of ['quality', 'stream']) {
  const { status } = spawnSync(process.execPath, [join(here, `${name}.bench.mjs`)], { stdio: 'inherit' });
  if (status !== 0) {
    console.error(`${name}.bench.mjs exited with ${status}`);
    failed = true;
  }
}
process.exitCode = failed ? 1 : 0;
