// The emoji worked example, measured: is decoding the bottleneck, and does the default run fit
// in 5 minutes?
//   1. imageFolder's images/s over the 3786 emoji at the default size (32 x 32, RGB): one
//      streamed epoch, batches disposed as they come, 3 rounds (median, min-max);
//   2. beside it, the time of one training epoch of the default model (conv-vae) on the same
//      images: the per-epoch times `elbo train` prints, epochs 2 on of a 4-epoch run;
//      the ratio says how much of an epoch's time a streamed decode would take;
//   3. `elbo train <emoji> --size 32` with every other setting at its default, whole, as a user
//      runs it (wall time against the 5-minute target, peak RSS); skipped with BENCH_EMOJI_FULL=0.
// The emoji set is fetched on demand (`pnpm emoji`, a few seconds) when missing.
// Needs the built packages: pnpm build. Run alone: the machine has two cores.
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const repo = resolve(here, '../../..');
const EMOJI = join(repo, '.cache/emoji/64');
const CLI = resolve(here, '../dist/cli.js');
const SIZE = 32;
const TARGET_SECONDS = 300;

const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];
const range = (values) => `${Math.min(...values).toFixed(1)}-${Math.max(...values).toFixed(1)}`;

if (!existsSync(EMOJI)) execFileSync(process.execPath, [join(repo, 'scripts/fetch-emoji.mjs')], { stdio: 'inherit' });

/** Runs the CLI in a child; resolves with what it printed and its wall seconds. */
function runCli(args) {
  return new Promise((resolveRun, reject) => {
    const started = performance.now();
    const child = spawn(process.execPath, [CLI, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (chunk) => (output += chunk));
    child.stderr.on('data', (chunk) => (output += chunk));
    child.on('error', reject);
    child.on('close', (code) => {
      const seconds = (performance.now() - started) / 1000;
      if (code !== 0) reject(new Error(`elbo ${args.join(' ')} exited ${code}:\n${output}`));
      else resolveRun({ output, seconds });
    });
  });
}

async function decodeRate() {
  const tf = await import('@tensorflow/tfjs-core');
  const { selectBackend } = await import('@elbo/backend-node');
  await selectBackend();
  const { imageFolder } = await import('@elbo/datasets/node');
  const folder = await imageFolder(EMOJI, { size: SIZE, batchSize: 64, seed: 0 });
  const rates = [];
  for (let round = 0; round < 3; round++) {
    const started = performance.now();
    let count = 0;
    for await (const { images } of folder) {
      count += images.shape[0];
      images.dispose();
    }
    rates.push(count / ((performance.now() - started) / 1000));
  }
  if (tf.memory().numTensors !== 0) throw new Error(`imageFolder left ${tf.memory().numTensors} tensors`);
  return { images: folder.files.length, rates };
}

async function epochSeconds() {
  const out = mkdtempSync(join(tmpdir(), 'elbo-emoji-bench-'));
  try {
    const { output } = await runCli(['train', EMOJI, '--size', String(SIZE), '--epochs', '4', '--out', join(out, 'run')]);
    const seconds = [...output.matchAll(/^epoch (\d+)\/\d+: .*\(([\d.]+) s[;)]/gm)].map((m) => Number(m[2]));
    if (seconds.length !== 4) throw new Error(`expected 4 epoch lines from elbo train, got ${seconds.length}:\n${output}`);
    return seconds.slice(1); // the first epoch includes the JIT's warm-up
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
}

async function fullRun() {
  const out = mkdtempSync(join(tmpdir(), 'elbo-emoji-bench-'));
  const run = join(out, 'run');
  const { seconds, output } = await runCli(['train', EMOJI, '--size', String(SIZE), '--out', run]);
  const last = [...output.matchAll(/^epoch (\d+)\/(\d+): loss ([\d.]+).*valLoss ([\d.]+)/gm)].at(-1);
  return { seconds, out, run, epochs: last?.[2], loss: last?.[3], valLoss: last?.[4] };
}

console.log(`emoji.bench: ${EMOJI}, ${SIZE} x ${SIZE} RGB, Node ${process.version}`);
const decode = await decodeRate();
const rate = median(decode.rates);
console.log(
  `imageFolder decode: ${rate.toFixed(0)} images/s (${range(decode.rates)}) over ${decode.images} images: ${(decode.images / rate).toFixed(1)} s a streamed epoch`,
);
const epochs = await epochSeconds();
const epoch = median(epochs);
console.log(`conv-vae training epoch (defaults, ${decode.images} images less 10% validation): ${epoch.toFixed(1)} s (${range(epochs)})`);
console.log(
  `decode time / training time per epoch: ${(decode.images / rate / epoch).toFixed(2)} ` +
    `(elbo train decodes once and trains from memory; a streamed imageFolder epoch would overlap the two on the same two cores)`,
);
if (process.env.BENCH_EMOJI_FULL !== '0') {
  const full = await fullRun();
  console.log(
    `elbo train ${EMOJI} --size ${SIZE} (defaults, ${full.epochs} epochs): ${full.seconds.toFixed(0)} s against ${TARGET_SECONDS} s ` +
      `(${full.seconds <= TARGET_SECONDS ? 'met' : 'NOT met'}); last epoch loss ${full.loss}, valLoss ${full.valLoss}; samples in ${join(full.run, 'samples.png')}`,
  );
}
