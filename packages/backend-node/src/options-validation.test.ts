import * as tf from '@tensorflow/tfjs-core';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';

// selectBackend sets V8's relaxed-SIMD flag for the whole process; here the call is observed, not made.
const v8 = vi.hoisted(() => ({ setFlagsFromString: vi.fn() }));
vi.mock('node:v8', async (importOriginal) => ({ ...(await importOriginal<typeof import('node:v8')>()), ...v8 }));

const { selectBackend } = await import('./index');

const ENV = ['ELBO_BACKEND', 'ELBO_WASM_KERNELS', 'ELBO_WASM_RELAXED_SIMD', 'ELBO_WASM_THREADS'] as const;

beforeEach(() => v8.setFlagsFromString.mockClear());
afterEach(() => {
  for (const name of ENV) delete process.env[name];
});

/** Asserts that `call` rejects with `message` and changed nothing: no V8 flag, same backend. */
async function expectRejectedUnchanged(call: () => Promise<unknown>, message: string | RegExp): Promise<void> {
  const backend = tf.getBackend();
  await expect(call()).rejects.toThrow(message);
  expect(v8.setFlagsFromString).not.toHaveBeenCalled();
  expect(tf.getBackend()).toBe(backend);
}

// The tests run in order: the first successful selection in this file decides the kernels.
describe('selectBackend checks every option before changing anything', () => {
  it('rejects prefer given as a string, naming prefer, what it expects and what came', async () => {
    await expectRejectedUnchanged(
      () => selectBackend({ prefer: 'wasm' as never }),
      `selectBackend option "prefer" must be an array of backend names (tensorflow, wasm, cpu), got "wasm" (a string; write ["wasm"])`,
    );
    await expectRejectedUnchanged(
      () => selectBackend({ prefer: { 0: 'cpu' } as never }),
      'selectBackend option "prefer" must be an array of backend names (tensorflow, wasm, cpu), got {"0":"cpu"}',
    );
  });

  it('rejects a name in prefer that is not a string', async () => {
    await expectRejectedUnchanged(
      () => selectBackend({ prefer: ['cpu', 3] as never }),
      'selectBackend option "prefer" has unknown backend 3 at index 1: expected one of tensorflow, wasm, cpu',
    );
  });

  it('rejects options that are not an object', async () => {
    await expectRejectedUnchanged(() => selectBackend(null as never), 'selectBackend options must be an object, got null');
    await expectRejectedUnchanged(() => selectBackend('wasm' as never), 'selectBackend options must be an object, got "wasm"');
  });

  it('rejects fallback, verbose and relaxedSimd that are not booleans, naming each', async () => {
    await expectRejectedUnchanged(
      () => selectBackend({ prefer: ['cpu'], fallback: 'no' as never }),
      'selectBackend option "fallback" must be true or false, got "no"',
    );
    await expectRejectedUnchanged(
      () => selectBackend({ prefer: ['cpu'], verbose: 1 as never }),
      'selectBackend option "verbose" must be true or false, got 1',
    );
    await expectRejectedUnchanged(
      () => selectBackend({ prefer: ['cpu'], relaxedSimd: 'yes' as never }),
      'selectBackend option "relaxedSimd" must be true or false, got "yes"',
    );
  });

  it('rejects threads (option or ELBO_WASM_THREADS) that is not an integer from 1 to 64, naming it', async () => {
    for (const threads of [0, 1.5, -2, 65, Number.NaN, '2']) {
      await expectRejectedUnchanged(
        () => selectBackend({ prefer: ['cpu'], threads: threads as never }),
        `selectBackend option "threads" (or ELBO_WASM_THREADS) must be an integer from 1 to 64, got ${typeof threads === 'string' ? `"${threads}"` : String(threads)}`,
      );
    }
    for (const value of ['two', '0', '2.5', '-1']) {
      process.env.ELBO_WASM_THREADS = value;
      await expectRejectedUnchanged(
        () => selectBackend({ prefer: ['cpu'] }),
        /"threads" \(or ELBO_WASM_THREADS\) must be an integer from 1 to 64, got/,
      );
    }
  });

  it('sets no V8 flag when kernels is bad (option or ELBO_WASM_KERNELS), even with relaxedSimd on', async () => {
    await expectRejectedUnchanged(
      () => selectBackend({ prefer: ['cpu'], relaxedSimd: true, kernels: 'fast' as never }),
      `selectBackend option "kernels" (or ELBO_WASM_KERNELS) must be 'elbo' or 'stock', got fast`,
    );
    process.env.ELBO_WASM_KERNELS = 'fast';
    process.env.ELBO_WASM_RELAXED_SIMD = '1';
    await expectRejectedUnchanged(
      () => selectBackend({ prefer: ['cpu'] }),
      /"kernels" \(or ELBO_WASM_KERNELS\) must be 'elbo' or 'stock', got fast/,
    );
  });

  it('sets no V8 flag when prefer or ELBO_BACKEND is bad, even with relaxedSimd on', async () => {
    await expectRejectedUnchanged(() => selectBackend({ prefer: 'cpu' as never, relaxedSimd: true }), /option "prefer" must be an array/);
    process.env.ELBO_BACKEND = 'cpu,gpu';
    process.env.ELBO_WASM_RELAXED_SIMD = '1';
    await expectRejectedUnchanged(() => selectBackend(), /environment variable ELBO_BACKEND has unknown backend "gpu" at index 1/);
  });

  it('a rejected call does not decide the kernels: kernels "stock" with a bad prefer leaves the default', async () => {
    await expectRejectedUnchanged(() => selectBackend({ prefer: 'cpu' as never, kernels: 'stock' }), /option "prefer" must be an array/);
    const selection = await selectBackend({ prefer: ['cpu'], relaxedSimd: false });
    expect(selection.name).toBe('cpu');
    expect(selection.reason).not.toContain("tfjs' own kernels only");
    expect(tf.getKernel('ElboAdamUpdate', 'cpu')).toBeDefined();
  });

  it('rejects an ELBO_WASM_RELAXED_SIMD that is not 1 or 0, naming it', async () => {
    process.env.ELBO_WASM_RELAXED_SIMD = 'yes';
    await expectRejectedUnchanged(() => selectBackend({ prefer: ['cpu'] }), 'ELBO_WASM_RELAXED_SIMD must be 1 or 0, got "yes"');
  });

  it('relaxedSimd: false or ELBO_WASM_RELAXED_SIMD=0 leaves V8 flags alone', async () => {
    await selectBackend({ prefer: ['cpu'], relaxedSimd: false });
    process.env.ELBO_WASM_RELAXED_SIMD = '0';
    await selectBackend({ prefer: ['cpu'] });
    expect(v8.setFlagsFromString).not.toHaveBeenCalled();
  });

  it('valid options set the flag by default (so the checks above can fail)', async () => {
    await selectBackend({ prefer: ['cpu'], fallback: true, verbose: false, kernels: 'elbo' });
    expect(v8.setFlagsFromString).toHaveBeenCalledWith('--experimental-wasm-relaxed-simd');
  });
});
