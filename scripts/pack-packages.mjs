// Packs every publishable workspace package with pnpm (which rewrites
// `workspace:` ranges the way a publish would) into one folder.
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

export const root = resolve(import.meta.dirname, '..');

/** Publishable packages: name -> folder. */
export function workspacePackages() {
  const dir = join(root, 'packages');
  return Object.fromEntries(
    readdirSync(dir).map((folder) => {
      const manifest = JSON.parse(readFileSync(join(dir, folder, 'package.json'), 'utf8'));
      return [manifest.name, join(dir, folder)];
    }),
  );
}

/** Packs each package into `destination`; returns name -> tarball path. */
export function packAll(destination) {
  const tarballs = {};
  for (const [name, folder] of Object.entries(workspacePackages())) {
    const before = new Set(readdirSync(destination));
    execFileSync('pnpm', ['pack', '--pack-destination', destination], { cwd: folder, stdio: ['ignore', 'ignore', 'inherit'] });
    const made = readdirSync(destination).filter((f) => !before.has(f) && f.endsWith('.tgz'));
    if (made.length !== 1) throw new Error(`packing ${name} made ${made.length} tarballs: ${made.join(', ')}`);
    tarballs[name] = join(destination, made[0]);
  }
  return tarballs;
}
