import { spawnSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';

// elbo's kernels are installed once per process, so each choice is tried in a fresh Node process
// running the built package.
const dist = pathToFileURL(join(dirname(fileURLToPath(import.meta.url)), '..', 'dist', 'index.js')).href;

function run(env: Record<string, string>, code: string): { status: number | null; out: string } {
  const script = `import * as tf from '@tensorflow/tfjs-core'; import { selectBackend } from '${dist}'; ${code}`;
  const r = spawnSync(process.execPath, ['--input-type=module', '-e', script], {
    cwd: join(dirname(fileURLToPath(import.meta.url)), '..'),
    env: { ...process.env, ...env },
    encoding: 'utf8',
  });
  return { status: r.status, out: r.stdout + r.stderr };
}

const report = `const s = await selectBackend({ prefer: ['wasm'], fallback: false });
let convGradient = 'ok';
try { tf.grad((f) => tf.sum(tf.conv2d(tf.ones([1, 3, 3, 1]), f, 1, 'same')))(tf.ones([1, 1, 1, 1])).dataSync(); } catch (e) { convGradient = e.message; }
console.log(JSON.stringify({ reason: s.reason, adam: tf.getKernel('ElboAdamUpdate', 'wasm') != null, backpropFilter: tf.getKernel('Conv2DBackpropFilter', 'wasm') != null, convGradient }));`;

describe('selectBackend kernels and relaxedSimd', () => {
  it("'stock' (ELBO_WASM_KERNELS) keeps tfjs' own kernels, convolutions' included, and says so", () => {
    const { status, out } = run({ ELBO_WASM_KERNELS: 'stock' }, report);
    expect(status, out).toBe(0);
    const stock = JSON.parse(out.trim().split('\n').pop()!) as { reason: string };
    // No elbo kernel at all: tfjs 4.22's wasm backend has no Conv2DBackpropFilter of its own.
    expect(stock).toEqual({
      reason: expect.stringMatching(/tfjs' own kernels only/),
      adam: false,
      backpropFilter: false,
      convGradient: expect.stringMatching(/Kernel 'Conv2DBackpropFilter' not registered for backend 'wasm'/),
    });
    expect(stock.reason).not.toMatch(/elbo|conv/i);
  });

  it('default: elbo kernels with fused multiply-add (relaxed SIMD, on Node 20 too); ELBO_WASM_RELAXED_SIMD=0 gives plain SIMD on Node 20', () => {
    const fused = run({}, report);
    expect(fused.status, fused.out).toBe(0);
    expect(JSON.parse(fused.out.trim().split('\n').pop()!)).toEqual({
      reason: expect.stringMatching(
        /elbo's SIMD kernels.*; Conv2D, Conv2DBackpropInput, Conv2DBackpropFilter on elbo's SIMD im2col kernels/,
      ),
      adam: true,
      backpropFilter: true,
      convGradient: 'ok',
    });
    expect(JSON.parse(fused.out.trim().split('\n').pop()!).reason).toMatch(/with fused multiply-add \(relaxed SIMD\)/);
    const plain = run({ ELBO_WASM_RELAXED_SIMD: '0' }, report);
    expect(plain.status, plain.out).toBe(0);
    const plainReason = JSON.parse(plain.out.trim().split('\n').pop()!).reason as string;
    if (Number(process.versions.node.split('.')[0]) < 22) expect(plainReason).not.toMatch(/fused multiply-add/);
    else expect(plainReason).toMatch(/with fused multiply-add \(relaxed SIMD\)/); // on by itself from Node 22
  });

  it('rejects an unknown kernels value, naming it', () => {
    const { status, out } = run({ ELBO_WASM_KERNELS: 'fast' }, report);
    expect(status).not.toBe(0);
    expect(out).toMatch(/"kernels" \(or ELBO_WASM_KERNELS\) must be 'elbo' or 'stock', got fast/);
  });
});
