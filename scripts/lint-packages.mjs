// `pnpm lint`: first the sources (Prettier's formatting, the dependency rules of
// .dependency-cruiser.cjs and their self-test), then publint --strict and "are the
// types wrong?" on each packed tarball, so what is checked is exactly what would be
// published; and no packed manifest may depend on a private workspace package
// (internal/*, bundled into the packages that use it, never published). Every check
// runs; the exit status says whether any failed.
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { packAll, root } from './pack-packages.mjs';

const privateNames = readdirSync(join(root, 'internal')).map(
  (folder) => JSON.parse(readFileSync(join(root, 'internal', folder, 'package.json'), 'utf8')).name,
);

/** The runtime dependencies of a packed manifest that name a private workspace package. */
function privateDependencies(tarball) {
  const manifest = JSON.parse(execFileSync('tar', ['-xzOf', tarball, 'package/package.json'], { encoding: 'utf8' }));
  const fields = ['dependencies', 'peerDependencies', 'optionalDependencies'];
  return fields.flatMap((field) =>
    Object.keys(manifest[field] ?? {})
      .filter((dep) => privateNames.includes(dep))
      .map((dep) => `${field}.${dep}`),
  );
}
let failed = 0;
let passed = 0;

/** Shows at most `lines` lines of a failed check's output (an unformatted tree lists every file). */
function excerpt(text, lines = 30) {
  const all = text.trim().split('\n');
  const shown = all.length > lines ? [...all.slice(0, lines), `... and ${all.length - lines} more lines`] : all;
  return shown.join('\n').replace(/^/gm, '      ');
}

for (const [check, command, args] of [
  ['format', 'pnpm', ['run', '--silent', 'format:check']],
  ['deps', 'pnpm', ['run', '--silent', 'lint:deps']],
  ['deps-self-test', process.execPath, [join(root, 'scripts', 'lint-deps-selftest.mjs')]],
]) {
  const run = spawnSync(command, args, { cwd: root, encoding: 'utf8' });
  const ok = run.status === 0;
  console.log(`${ok ? 'ok  ' : 'FAIL'} ${check.padEnd(8)} sources`);
  if (!ok) console.log(excerpt(run.stdout + run.stderr));
  ok ? passed++ : failed++;
}

const destination = mkdtempSync(join(tmpdir(), 'elbo-lint-'));
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
    console.log(
      `${leaked.length === 0 ? 'ok  ' : 'FAIL'} ${'private'.padEnd(8)} ${name}${leaked.length === 0 ? '' : `: depends on private ${leaked.join(', ')}`}`,
    );
    leaked.length === 0 ? passed++ : failed++;
  }
} finally {
  rmSync(destination, { recursive: true, force: true });
}
console.log(`lint: ${passed} passed, ${failed} failed`);
process.exit(failed > 0 ? 1 : 0);
