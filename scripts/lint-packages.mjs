// `pnpm lint`: publint --strict and "are the types wrong?" on each packed
// tarball, so what is checked is exactly what would be published.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { packAll, root } from './pack-packages.mjs';

const destination = mkdtempSync(join(tmpdir(), 'elbo-lint-'));
let failed = 0;
let passed = 0;
try {
  for (const [name, tarball] of Object.entries(packAll(destination))) {
    for (const [tool, args] of [
      ['publint', ['run', tarball, '--strict']],
      ['attw', [tarball, '--no-emoji', '--format', 'table-flipped']],
    ]) {
      const run = spawnSync('pnpm', ['exec', tool, ...args], { cwd: root, encoding: 'utf8' });
      const ok = run.status === 0;
      console.log(`${ok ? 'ok  ' : 'FAIL'} ${tool.padEnd(8)} ${name}`);
      if (!ok) console.log((run.stdout + run.stderr).trim().replace(/^/gm, '      '));
      ok ? passed++ : failed++;
    }
  }
} finally {
  rmSync(destination, { recursive: true, force: true });
}
console.log(`lint: ${passed} passed, ${failed} failed`);
process.exit(failed > 0 ? 1 : 0);
