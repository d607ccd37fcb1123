import { describe, expect, it } from 'vitest';
import { installOnce } from './install-wasm-kernel';
import { instantiateKernel, kernelBytes } from './kernel-module';
import { adamWasm } from './kernels/adam.wasm';
import { matmulWasm } from './kernels/matmul.wasm';
import { transposeWasm } from './kernels/transpose.wasm';
import type { SimdTranspose } from './wasm-simd-transpose';

/** A 4 x 8 matrix 0..31 at byte 0 of a fresh memory, transposed to byte 256 by the kernel. */
function transposeOn(memory: WebAssembly.Memory): number[] {
  const transpose = instantiateKernel<SimdTranspose>(transposeWasm, memory)!;
  const heap = new Float32Array(memory.buffer);
  heap.set(
    Array.from({ length: 32 }, (_, i) => i),
    0,
  );
  transpose(0, 256, 4, 8);
  return Array.from(heap.subarray(64, 96));
}
const transposed = Array.from({ length: 32 }, (_, i) => (i % 4) * 8 + Math.floor(i / 4));

describe('kernelBytes', () => {
  it('picks the variant by flags, ignoring flags a module does not have', () => {
    const base = [...kernelBytes(adamWasm, {})];
    expect([...kernelBytes(adamWasm, { shared: true })]).not.toEqual(base);
    expect([...kernelBytes(adamWasm, { relaxed: true })]).toEqual(base);
    const matmul = ['base', 'relaxed', 'shared', 'relaxed+shared'].map((key) => [
      ...kernelBytes(matmulWasm, { relaxed: key.includes('relaxed'), shared: key.includes('shared') }),
    ]);
    expect(new Set(matmul.map((bytes) => bytes.join())).size).toBe(4);
    expect(base.slice(0, 4)).toEqual([0, 0x61, 0x73, 0x6d]); // "\0asm"
  });

  it('names the module and the command when a variant is missing', () => {
    expect(() => kernelBytes({ ...adamWasm, variants: {} }, {})).toThrow(
      'adam.wat has no variant base: regenerate it (pnpm --filter @elbo/backend-common generate)',
    );
  });
});

describe('instantiateKernel', () => {
  it('runs the module on the memory it is given, once per memory', () => {
    const memory = new WebAssembly.Memory({ initial: 1 });
    const first = instantiateKernel(transposeWasm, memory);
    expect(first).toBeTypeOf('function');
    expect(instantiateKernel(transposeWasm, memory)).toBe(first);
    const other = new WebAssembly.Memory({ initial: 1 });
    expect(instantiateKernel(transposeWasm, other)).not.toBe(first);
    expect(transposeOn(memory)).toEqual(transposed);
  });

  it('takes the shared-memory variant for a shared memory (threaded builds)', () => {
    const shared = new WebAssembly.Memory({ initial: 1, maximum: 65536, shared: true });
    expect(shared.buffer).toBeInstanceOf(SharedArrayBuffer);
    expect(transposeOn(shared)).toEqual(transposed);
  });

  it('answers null where the engine refuses a module, and caches that answer', () => {
    const memory = new WebAssembly.Memory({ initial: 1 });
    const broken = { ...transposeWasm, source: 'broken.wat', variants: { base: btoa('\0asm\x01\0\0\0\x99') } };
    expect(instantiateKernel(broken, memory)).toBeNull();
    expect(instantiateKernel(broken, memory)).toBeNull();
  });
});

describe('installOnce', () => {
  it('runs an install the first time its key is asked for, and answers the first result after', () => {
    let runs = 0;
    const key = `test ${Math.random()}`;
    expect(installOnce(key, () => ++runs)).toBe(1);
    expect(installOnce(key, () => ++runs)).toBe(1);
    expect(runs).toBe(1);
    expect((globalThis as Record<symbol, Map<string, unknown>>)[Symbol.for('@elbo/backend-common:installed')]!.get(key)).toBe(1);
  });
});
