// Runs one of ../shared/anchors' PyTorch scripts beside an elbo benchmark, in the same run.
// The scripts read data/X_train.npy and data/X_test.npy beside themselves (made by the anchors'
// convert_data.py); where a checkout has no such data, a copy of the script runs in a temporary
// folder next to the digits the benchmark passes in (the same reference split).
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export const PYTHON = '/usr/bin/python3'; // Debian's, with python3-torch; a pyenv python3 on PATH may lack torch

/**
 * Debian's python3-torch takes its BLAS through the libblas.so.3 alternative; where only the reference
 * BLAS is installed (python3-torch without its recommended libopenblas0), PyTorch's dense and conv steps
 * run several times slower (1,276 ms instead of about 150 ms for the conv VAE step here), and any ratio
 * against it flatters elbo. Says so on stderr, once per run.
 */
export function warnOnReferenceBlas() {
  if (warnOnReferenceBlas.done) return;
  warnOnReferenceBlas.done = true;
  const link = '/usr/lib/x86_64-linux-gnu/libblas.so.3';
  if (!existsSync(link)) return;
  const target = realpathSync(link);
  if (target.includes('/blas/')) {
    console.error(
      `torch-anchor: PyTorch will use the reference BLAS (${target}): its times are not comparable; apt-get install -y libopenblas0-pthread`,
    );
  }
}

/** A C-order float32 .npy file. */
export function writeNpy(path, data, shape) {
  let header = `{'descr': '<f4', 'fortran_order': False, 'shape': (${shape.join(', ')},), }`;
  header += ' '.repeat(63 - ((10 + header.length) % 64)) + '\n';
  const head = Buffer.alloc(10);
  head.write('\x93NUMPY', 0, 'latin1');
  head[6] = 1;
  head.writeUInt16LE(header.length, 8);
  writeFileSync(path, Buffer.concat([head, Buffer.from(header, 'latin1'), Buffer.from(data.buffer, data.byteOffset, data.byteLength)]));
}

/**
 * Runs `anchors/<script> ...args` and parses the JSON it prints.
 * @param anchors - the ../shared/anchors folder.
 * @param digits - `{ train, test }` Float32Arrays of 784-pixel rows, written for the script when the anchors have no data.
 * @returns `{ json }`, or `{ skipped: reason }` when python, torch or the script is missing or the script fails.
 */
export function runTorchAnchor(anchors, script, args, digits, { timeoutMs = 600_000 } = {}) {
  if (process.env.BENCH_TORCH === '0') return { skipped: 'BENCH_TORCH=0' };
  const source = join(anchors, script);
  if (!existsSync(PYTHON) || !existsSync(source)) return { skipped: `${existsSync(PYTHON) ? source : PYTHON} not found` };
  warnOnReferenceBlas();
  let dir = anchors;
  let temporary;
  if (!existsSync(join(anchors, 'data', 'X_train.npy'))) {
    temporary = dir = mkdtempSync(join(tmpdir(), 'elbo-anchor-'));
    mkdirSync(join(dir, 'data'));
    copyFileSync(source, join(dir, script));
    writeNpy(join(dir, 'data', 'X_train.npy'), digits.train, [digits.train.length / 784, 784]);
    writeNpy(join(dir, 'data', 'X_test.npy'), digits.test, [digits.test.length / 784, 784]);
  }
  try {
    const r = spawnSync(PYTHON, [join(dir, script), ...args], { encoding: 'utf8', timeout: timeoutMs });
    if (r.status !== 0) return { skipped: (r.stderr || r.error?.message || `exit ${r.status}`).trim().split('\n').pop() };
    return { json: JSON.parse(r.stdout) };
  } finally {
    if (temporary != null) rmSync(temporary, { recursive: true, force: true });
  }
}
