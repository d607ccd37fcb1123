// `pnpm lint`: publint --strict and "are the types wrong?" on each packed
// tarball, so what is checked is exactly what would be published; and no
// packed manifest may depend on a private workspace package (internal/*,
// bundled into the packages that use it, never published).
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { packAll, root } from './pack-packages.mjs';

const privateNames = readdirSync(join(root, 'internal')).map((folder) => JSON.parse(readFileSync(join(root, 'internal', folder, 'package.json'), 'utf8')).name);

/** The runtime dependencies of a packed manifest that name a private workspace package. */
function privateDependencies(tarball) {
  const manifest = JSON.parse(execFileSync('tar', ['-xzOf', tarball, 'package/package.json'], { encoding: 'utf8' }));
  const fields = ['dependencies', 'peerDependencies', 'optionalDependencies'];
  return fields.flatMap((field) => Object.keys(manifest[field] ?? {}).filter((dep) => privateNames.includes(dep)).map((dep) => `${field}.${dep}`));
}

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
    const leaked = privateDependencies(tarball);
    console.log(`${leaked.length === 0 ? 'ok  ' : 'FAIL'} ${'private'.padEnd(8)} ${name}${leaked.length === 0 ? '' : `: depends on private ${leaked.join(', ')}`}`);
    leaked.length === 0 ? passed++ : failed++;
  }
} finally {
  rmSync(destination, { recursive: true, force: true });
}
console.log(`lint: ${passed} passed, ${failed} failed`);
process.exit(failed > 0 ? 1 : 0);
