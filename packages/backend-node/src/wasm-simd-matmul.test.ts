import { setFlagsFromString } from 'node:v8';
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { expectClose, expectNoLeaks } from '../../../tooling/testing';
import { simdMatMulModuleBytes, type SimdMatMul } from '@elbo/backend-common';
import { selectBackend } from './index';

/** act(A B + bias) in float64: the oracle. */
function reference(a: Float32Array, b: Float32Array, bias: Float32Array | null, m: number, k: number, n: number, relu: boolean): number[] {
  const out: number[] = [];
  for (let i = 0; i < m; i++) {
    for (let j = 0; j < n; j++) {
      let s = bias == null ? 0 : bias[j]!;
      for (let p = 0; p < k; p++) s += a[i * k + p]! * b[p * n + j]!;
      out.push(relu ? Math.max(0, s) : s);
    }
  }
  return out;
}

/** float32 rounding of a length-k dot product of N(0, 1) entries: a few ulps of sqrt(k). */
const tolerance = (k: number) => ({ rtol: 1e-5, atol: 1e-6 * Math.sqrt(k) * 8 });

let memory: WebAssembly.Memory;
let selection: Awaited<ReturnType<typeof selectBackend>>;
beforeAll(async () => {
  selection = await selectBackend({ prefer: ['wasm'], fallback: false });
  memory = (tf.backend() as unknown as { wasm: { asm: { memory: WebAssembly.Memory } } }).wasm.asm.memory;
});

function heapOffset(t: tf.Tensor): number {
  return (tf.backend() as unknown as { dataIdMap: { get(id: tf.DataId): { memoryOffset: number } } }).dataIdMap.get(t.dataId).memoryOffset;
}

describe('the SIMD matMul module', () => {
  for (const fused of [false, true]) {
    it(`${fused ? 'with fused multiply-add (relaxed SIMD)' : 'plain SIMD'}: act(A B + bias) on the backend's memory matches float64`, () => {
      if (fused) setFlagsFromString('--experimental-wasm-relaxed-simd'); // on by default from Node 22
      const bytes = simdMatMulModuleBytes(fused, false);
      expect(WebAssembly.validate(bytes)).toBe(true);
      const matmul = new WebAssembly.Instance(new WebAssembly.Module(bytes), { env: { memory } }).exports['matmul'] as SimdMatMul;
      for (const [m, k, n] of [
        [4, 1, 8],
        [8, 13, 16],
        [12, 64, 24],
        [4, 0, 8],
      ] as const) {
        const a = tf.randomNormal([m, k], 0, 1, 'float32', 1);
        const b = tf.randomNormal([k, n], 0, 1, 'float32', 2);
        const bias = tf.randomNormal([n], 0, 1, 'float32', 3);
        const out = tf.zeros([m, n]);
        for (const [flags, relu, withBias] of [
          [0, false, false],
          [1, true, false],
          [2, false, true],
          [3, true, true],
        ] as const) {
          matmul(heapOffset(a), heapOffset(b), heapOffset(out), heapOffset(bias), m, n, k, flags);
          const want = reference(
            a.dataSync() as Float32Array,
            b.dataSync() as Float32Array,
            withBias ? (bias.dataSync() as Float32Array) : null,
            m,
            k,
            n,
            relu,
          );
          expectClose(out.dataSync(), want, tolerance(k));
        }
        tf.dispose([a, b, bias, out]);
      }
    });
  }
});

describe('wasm BatchMatMul and _FusedMatMul on the SIMD kernel', () => {
  it('are installed by selectBackend, which says so', () => {
    expect(selection.reason).toMatch(/matMul, Adam, softplus, sum, transpose, Bernoulli log-likelihood on elbo's SIMD kernels/);
  });

  it('tf.matMul matches float64 where the kernel applies and where it hands over to tfjs (odd shapes, transposes, batches)', async () => {
    const cases: { a: number[]; b: number[]; ta?: boolean; tb?: boolean }[] = [
      { a: [128, 784], b: [784, 40] }, // ours, in row blocks of 20 (the last one 8 rows)
      { a: [8, 20], b: [20, 400] }, // ours
      { a: [6, 20], b: [20, 16] }, // m % 4 != 0: tfjs
      { a: [8, 20], b: [20, 12] }, // n % 8 != 0: tfjs
      { a: [20, 8], b: [20, 16], ta: true }, // transposeA: tfjs
      { a: [3, 8, 5], b: [3, 5, 16] }, // a batch of 3: ours, per matrix
      { a: [3, 8, 5], b: [5, 16] }, // broadcast b
      { a: [3, 44, 400], b: [400, 16] }, // a batch, each matrix in row blocks of 40 and 4
    ];
    for (const { a: sa, b: sb, ta = false, tb = false } of cases) {
      const a = tf.randomNormal(sa, 0, 1, 'float32', 4);
      const b = tf.randomNormal(sb, 0, 1, 'float32', 5);
      const got = await expectNoLeaks(() => tf.matMul(a, b, ta, tb));
      // the oracle, one matrix at a time (transposes made explicit)
      const batch = sa.length === 3 ? sa[0]! : 1;
      const am = tf.tidy(() => (ta ? tf.transpose(a) : a).reshape([batch, -1, ta ? sa[0]! : sa[sa.length - 1]!]));
      const bm = tf.tidy(() => (sb.length === 3 ? b : tf.stack(Array.from({ length: batch }, () => b))));
      const [m, k, n] = [am.shape[1]!, am.shape[2]!, bm.shape[2]!];
      const want = Array.from({ length: batch }, (_, i) =>
        reference(
          am.slice([i, 0, 0], [1, m, k]).dataSync() as Float32Array,
          bm.slice([i, 0, 0], [1, k, n]).dataSync() as Float32Array,
          null,
          m,
          k,
          n,
          false,
        ),
      ).flat();
      expectClose(got.dataSync(), want, tolerance(k));
      tf.dispose([a, b, got, am, bm]);
    }
  });

  for (const [m, k] of [
    [16, 30],
    [44, 800], // row blocks of 20, 20 and 4: bias and ReLU on every block
  ] as const) {
    it(`tf.fused.matMul with bias and ReLU matches float64 ([${m}, ${k}] x [${k}, 24])`, () => {
      const a = tf.randomNormal([m, k], 0, 1, 'float32', 6);
      const b = tf.randomNormal([k, 24], 0, 1, 'float32', 7);
      const bias = tf.randomNormal([24], 0, 1, 'float32', 8);
      const got = tf.fused.matMul({ a, b, bias, activation: 'relu' });
      const want = reference(a.dataSync() as Float32Array, b.dataSync() as Float32Array, bias.dataSync() as Float32Array, m, k, 24, true);
      expectClose(got.dataSync(), want, tolerance(k));
      tf.dispose([a, b, bias, got]);
    });
  }
});
