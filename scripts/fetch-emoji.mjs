#!/usr/bin/env node
// `pnpm emoji`: fetches the worked example's image set on demand, so a newcomer's
// `pnpm install` stays fast: emoji-datasource-google@16.0.0 (MIT, a 74 MB tarball)
// holds 3,786 colour 64x64 PNG emoji. It is fetched with the package manager
// (`npm pack`, so the registry and its cache settings are the user's own) and
// unpacked with the system's `tar` (on Debian, macOS and Windows 10+), then laid
// out as one folder per category, which `imageFolder` reads as labels:
//
//   .cache/emoji/64/<category>/<image>.png     (skin-tone variants in their base emoji's category)
//
// Usage: node scripts/fetch-emoji.mjs [--out DIR]   (default: .cache/emoji in the repo)
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const PACKAGE = 'emoji-datasource-google@16.0.0';
const IMAGES = 'package/img/google/64';
const EXPECTED_IMAGES = 3786;

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const { values } = parseArgs({ options: { out: { type: 'string' }, help: { type: 'boolean', short: 'h' } } });
if (values.help) {
  console.log(
    'Usage: node scripts/fetch-emoji.mjs [--out DIR]\nFetches the 3,786 Google emoji PNGs (64x64, MIT) into DIR/64/<category>/ (default: .cache/emoji).',
  );
  process.exit(0);
}
const out = resolve(values.out ?? join(root, '.cache', 'emoji'));
const target = join(out, '64');
const stamp = join(target, '.complete.json');

if (existsSync(stamp)) {
  const { images } = JSON.parse(readFileSync(stamp, 'utf8'));
  console.log(`${images} emoji already in ${target}`);
  process.exit(0);
}

function run(command, args, cwd) {
  const result = spawnSync(command, args, { cwd, encoding: 'utf8', shell: process.platform === 'win32' });
  if (result.status !== 0) {
    throw new Error(`${command} ${args.join(' ')} failed (${result.error?.message ?? `exit ${result.status}`}):\n${result.stderr}`);
  }
  return result.stdout.trim();
}

/** 'Smileys & Emotion' -> 'smileys-emotion': folder names without spaces or shell characters. */
const slug = (category) =>
  category
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-|-$/g, '');

const work = mkdtempSync(join(tmpdir(), 'elbo-emoji-'));
try {
  let started = performance.now();
  const tarball = run('npm', ['pack', PACKAGE, '--silent'], work).split('\n').pop();
  const fetchSeconds = (performance.now() - started) / 1000;
  started = performance.now();
  run('tar', ['-xzf', tarball, 'package/emoji.json', IMAGES], work);
  const unpackSeconds = (performance.now() - started) / 1000;

  const emoji = JSON.parse(readFileSync(join(work, 'package', 'emoji.json'), 'utf8'));
  const categoryOf = new Map();
  for (const entry of emoji) {
    if (entry.has_img_google) categoryOf.set(entry.image, entry.category);
    for (const variant of Object.values(entry.skin_variations ?? {})) {
      if (variant.has_img_google) categoryOf.set(variant.image, entry.category);
    }
  }

  const staging = `${target}.partial`;
  rmSync(staging, { recursive: true, force: true });
  const counts = {};
  for (const file of readdirSync(join(work, IMAGES))) {
    const category = categoryOf.get(file);
    if (category == null || !file.endsWith('.png')) continue;
    const folder = slug(category);
    mkdirSync(join(staging, folder), { recursive: true });
    copyFileSync(join(work, IMAGES, file), join(staging, folder, file));
    counts[folder] = (counts[folder] ?? 0) + 1;
  }
  const images = Object.values(counts).reduce((a, b) => a + b, 0);
  if (images !== EXPECTED_IMAGES) throw new Error(`expected ${EXPECTED_IMAGES} emoji images in ${PACKAGE}, found ${images}`);
  writeFileSync(join(staging, '.complete.json'), JSON.stringify({ package: PACKAGE, images, categories: counts }, null, 2));
  rmSync(target, { recursive: true, force: true });
  mkdirSync(out, { recursive: true });
  renameSync(staging, target);
  console.log(
    `${images} emoji in ${Object.keys(counts).length} category folders under ${target} ` +
      `(npm pack ${fetchSeconds.toFixed(1)} s, unpack ${unpackSeconds.toFixed(1)} s)`,
  );
} finally {
  rmSync(work, { recursive: true, force: true });
}
