// Image folders in Node: how fast imageFolder decodes, and how much memory an epoch and an
// imageFolderToNpy pass take on a large folder.
//   1. images/s of whole epochs of imageFolder over the emoji set (`pnpm emoji` fills
//      .cache/emoji/64: 3786 64 x 64 RGBA PNGs in category folders) at 32 x 32 and 64 x 64, RGB,
//      3 rounds each: median and min-max.
//   2. peak RSS (process.resourceUsage().maxRSS) of one epoch of imageFolder(size 64, batch 128)
//      and of one imageFolderToNpy pass over BENCH_IMAGE_COUNT (default 100000) generated distinct
//      64 x 64 PNGs, each in a fresh child process, against a 600 MB target. The images are generated
//      once into os.tmpdir() and reused.
// Needs the built package: pnpm --filter @elbo/datasets build.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const EMOJI = resolve(here, '../../../.cache/emoji/64');
const TARGET_MB = 600;
const [mode, ...args] = process.argv.slice(2);

async function load() {
  const tf = await import('@tensorflow/tfjs-core');
  const { selectBackend } = await import('@elbo/backend-node');
  await selectBackend();
  tf.enableProdMode();
  return { tf, ...(await import('../dist/node.js')) };
}

const megabytes = (kilobytes) => (kilobytes / 1024).toFixed(0);

if (mode === '--epoch' || mode === '--npy') {
  // A child: one measured pass, one JSON line.
  const { imageFolder, imageFolderToNpy } = await load();
  const start = performance.now();
  let count = 0;
  if (mode === '--epoch') {
    for await (const { images } of await imageFolder(args[0], { size: 64, batchSize: 128 })) {
      count += images.shape[0];
      images.dispose();
    }
  } else {
    count = (await imageFolderToNpy(args[0], args[1], { size: 64 })).count;
  }
  const seconds = (performance.now() - start) / 1000;
  console.log(JSON.stringify({ count, seconds, maxRSS: process.resourceUsage().maxRSS }));
  process.exit(0);
}

const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];

async function decodeRates() {
  if (!existsSync(EMOJI)) {
    console.error(`images.bench: the emoji folder ${EMOJI} is missing: run \`pnpm emoji\` at the repository root first.`);
    process.exit(1);
  }
  const { imageFolder } = await load();
  for (const size of [32, 64]) {
    const folder = await imageFolder(EMOJI, { size, batchSize: 128, seed: 0 });
    const rates = [];
    for (let round = 0; round < 3; round++) {
      const start = performance.now();
      let count = 0;
      for await (const { images } of folder) {
        count += images.shape[0];
        images.dispose();
      }
      rates.push(count / ((performance.now() - start) / 1000));
    }
    const f = (x) => x.toFixed(0);
    console.log(
      `imageFolder ${size} x ${size} RGB, ${folder.files.length} emoji: ${f(median(rates))} images/s (min-max ${f(Math.min(...rates))}-${f(Math.max(...rates))}, 3 epochs)`,
    );
  }
}

/** `count` distinct 64 x 64 PNGs in folders of 1000, made once and reused. */
async function generatedFolder(count) {
  const dir = join(tmpdir(), `elbo-bench-${count === 100000 ? '100k' : count}`);
  const marker = join(dir, '.complete.json');
  if (existsSync(marker) && JSON.parse(readFileSync(marker, 'utf8')).count === count) {
    console.log(`using the ${count} images in ${dir}`);
    return dir;
  }
  rmSync(dir, { recursive: true, force: true });
  const { default: sharp } = await import('sharp');
  const start = performance.now();
  let next = 0;
  const pixels = (i) => {
    // a gradient and a square whose colours and place depend on i: every image differs
    const data = new Uint8Array(64 * 64 * 3);
    const [r, g, b] = [(i * 37) % 256, (i >> 8) % 256, (i * 101) % 256];
    const [sx, sy] = [i % 48, (i >> 4) % 48];
    for (let y = 0; y < 64; y++) {
      for (let x = 0; x < 64; x++) {
        const inside = x >= sx && x < sx + 16 && y >= sy && y < sy + 16;
        data.set(inside ? [r, g, b] : [x * 4, y * 4, (x * y + i) % 256], 3 * (64 * y + x));
      }
    }
    return data;
  };
  await Promise.all(
    Array.from({ length: 4 }, async () => {
      while (next < count) {
        const i = next++;
        const folder = join(dir, `part-${String(Math.floor(i / 1000)).padStart(3, '0')}`);
        if (i % 1000 === 0 || !existsSync(folder)) mkdirSync(folder, { recursive: true });
        await sharp(pixels(i), { raw: { width: 64, height: 64, channels: 3 } })
          .png()
          .toFile(join(folder, `${i}.png`));
      }
    }),
  );
  writeFileSync(marker, JSON.stringify({ count }));
  console.log(`generated ${count} distinct 64 x 64 PNGs in ${dir} in ${((performance.now() - start) / 1000).toFixed(1)} s`);
  return dir;
}

function child(...childArgs) {
  const out = execFileSync(process.execPath, [fileURLToPath(import.meta.url), ...childArgs], {
    cwd: here,
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  return JSON.parse(out.trim().split('\n').pop());
}

async function memory() {
  const count = Number(process.env.BENCH_IMAGE_COUNT ?? 100000);
  if (!Number.isInteger(count) || count < 1)
    throw new Error(`images.bench: BENCH_IMAGE_COUNT must be a positive integer, got ${process.env.BENCH_IMAGE_COUNT}`);
  const dir = await generatedFolder(count);
  const epoch = child('--epoch', dir);
  const verdict = (kb) => (kb / 1024 <= TARGET_MB ? 'within' : 'OVER');
  console.log(
    `imageFolder epoch over ${epoch.count} images (64 x 64, batch 128): ${(epoch.count / epoch.seconds).toFixed(0)} images/s, peak RSS ${megabytes(epoch.maxRSS)} MB (${verdict(epoch.maxRSS)} the ${TARGET_MB} MB target)`,
  );
  const out = await mkdtemp(join(tmpdir(), 'elbo-bench-npy-'));
  try {
    const npy = child('--npy', dir, join(out, 'images.npy'));
    console.log(
      `imageFolderToNpy of ${npy.count} images (64 x 64 x 3 uint8, ${((npy.count * 64 * 64 * 3) / 2 ** 20).toFixed(0)} MB): ${npy.seconds.toFixed(1)} s, peak RSS ${megabytes(npy.maxRSS)} MB (${verdict(npy.maxRSS)} the ${TARGET_MB} MB target)`,
    );
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
}

await decodeRates();
await memory();
