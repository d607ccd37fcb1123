import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { expectClose, expectNoLeaks } from '../../../tooling/testing';
import { TEST_BACKENDS, useBackend } from '../test/backends';
import { registerFusedMatMulGradient } from './matmul-gradients';
import { installWasmKernels } from './wasm-kernels';

type Activation = 'linear' | 'relu' | 'elu' | 'sigmoid';
interface Case {
  m: number;
  k: number;
  n: number;
  batchA?: number;
  batchB?: number;
  ta?: boolean;
  tb?: boolean;
}

const act = (x: tf.Tensor, activation: Activation): tf.Tensor =>
  activation === 'linear' ? x : activation === 'relu' ? tf.relu(x) : activation === 'elu' ? tf.elu(x) : tf.sigmoid(x);

/** Operands of a case, as the _FusedMatMul kernel takes them (rank 3), and weights w for the loss sum(w * y). */
function operands({ m, k, n, batchA = 1, batchB = 1, ta = false, tb = false }: Case, seed: number) {
  const a = tf.randomNormal(ta ? [batchA, k, m] : [batchA, m, k], 0, 1, 'float32', seed);
  const b = tf.randomNormal(tb ? [batchB, n, k] : [batchB, k, n], 0, 1, 'float32', seed + 1);
  const bias = tf.randomNormal([n], 0, 1, 'float32', seed + 2);
  const w = tf.randomNormal([Math.max(batchA, batchB), m, n], 0, 1, 'float32', seed + 3);
  return { a, b, bias, w };
}

/** d/d(a, b, bias) of sum(w * act(op(a) op(b) + bias)), through the _FusedMatMul kernel (so its registered gradient). */
function fusedGrads(c: Case, activation: Activation, withBias: boolean, x: ReturnType<typeof operands>): tf.Tensor[] {
  const attrs = { transposeA: c.ta ?? false, transposeB: c.tb ?? false, activation, leakyreluAlpha: 0.2 };
  const loss = (a: tf.Tensor, b: tf.Tensor, bias: tf.Tensor) => {
    const inputs: tf.NamedTensorMap = withBias ? { a, b, bias } : { a, b };
    const y = tf.engine().runKernel(tf._FusedMatMul, inputs, attrs as unknown as tf.NamedAttrMap) as tf.Tensor;
    return tf.sum(tf.mul(x.w, y));
  };
  return withBias ? tf.grads(loss)([x.a, x.b, x.bias]) : tf.grads((a: tf.Tensor, b: tf.Tensor) => loss(a, b, x.bias))([x.a, x.b]);
}

/** The same through the unfused ops and tfjs' own gradients: the oracle. */
function unfusedGrads(c: Case, activation: Activation, withBias: boolean, x: ReturnType<typeof operands>): tf.Tensor[] {
  // tfjs 4.22's own BatchMatMul gradient does not sum over a broadcast batch: tile it explicitly (tile's gradient sums).
  const batch = Math.max(c.batchA ?? 1, c.batchB ?? 1);
  const tiled = (t: tf.Tensor) => (t.shape[0] === batch ? t : tf.tile(t, [batch, 1, 1]));
  const loss = (a: tf.Tensor, b: tf.Tensor, bias: tf.Tensor) => {
    const product = tf.matMul(tiled(a), tiled(b), c.ta ?? false, c.tb ?? false);
    return tf.sum(tf.mul(x.w, act(withBias ? tf.add(product, bias) : product, activation)));
  };
  return withBias ? tf.grads(loss)([x.a, x.b, x.bias]) : tf.grads((a: tf.Tensor, b: tf.Tensor) => loss(a, b, x.bias))([x.a, x.b]);
}

const CASES: [string, Case][] = [
  ['a dense layer, 8 x 6 @ 6 x 16 (elbo’s SIMD product on wasm)', { m: 8, k: 6, n: 16 }],
  ['odd sides, 3 x 5 @ 5 x 7', { m: 3, k: 5, n: 7 }],
  ['a transposed, b transposed', { m: 4, k: 5, n: 8, ta: true, tb: true }],
  ['b transposed', { m: 4, k: 5, n: 8, tb: true }],
  ['a transposed', { m: 4, k: 5, n: 8, ta: true }],
  ['a batch of 2 against one b (broadcast)', { m: 4, k: 3, n: 8, batchA: 2 }],
  ['one a against a batch of 3', { m: 4, k: 3, n: 8, batchB: 3 }],
];

for (const backend of TEST_BACKENDS)
  describe(`the _FusedMatMul gradient on ${backend}`, () => {
    beforeAll(async () => {
      await useBackend(backend);
      if (backend === 'wasm') installWasmKernels({ ownMatMul: true }); // as selectBackend does: the forward product on elbo's kernel
      registerFusedMatMulGradient();
    });

    it('is registered once: a second call keeps the first registration', () => {
      const first = tf.getGradient(tf._FusedMatMul);
      expect(first).toBeDefined();
      registerFusedMatMulGradient();
      expect(tf.getGradient(tf._FusedMatMul)).toBe(first);
    });

    for (const activation of ['linear', 'relu', 'elu', 'sigmoid'] as const) {
      for (const withBias of [true, false]) {
        it(`${activation}, ${withBias ? 'with' : 'without'} bias: equals tf.grads of matMul, add, ${activation} for every shape and flag, leaking nothing`, async () => {
          for (const [what, c] of CASES) {
            // tfjs-backend-wasm 4.22's own _FusedMatMul adds the bias wrongly when a transpose flag is set or a
            // batch is over 1 (its forward output differs from matMul + add by O(1); elbo's SIMD kernel takes none
            // of these for elu and sigmoid, nor transposes at all, and hands them to it), so on wasm those products
            // are checked without bias only: the gradient is right for the output the forward gave.
            const stockBiasBug = c.ta === true || c.tb === true || (c.batchA ?? 1) > 1 || (c.batchB ?? 1) > 1;
            if (backend === 'wasm' && withBias && stockBiasBug) continue;
            const x = operands(c, 11);
            const got = await expectNoLeaks(() => fusedGrads(c, activation, withBias, x));
            const want = unfusedGrads(c, activation, withBias, x);
            expect(got.length).toBe(withBias ? 3 : 2);
            got.forEach((g, i) => {
              expect(g.shape, `${what}: gradient ${i} shape`).toEqual(want[i]!.shape);
              // float32 sums of k or m*batch products of N(0, 1) terms: a few ulps of their size
              try {
                expectClose(g, want[i]!.dataSync(), { rtol: 1e-5, atol: 1e-5 });
              } catch (e) {
                throw new Error(`${what}, gradient ${i}: ${(e as Error).message}`);
              }
            });
            tf.dispose([...got, ...want, x.a, x.b, x.bias, x.w]);
          }
        });
      }
    }

    it('matches central finite differences of the loss in float64 (elu with bias)', () => {
      const [m, k, n] = [4, 3, 8];
      const x = operands({ m, k, n }, 5);
      const [A, B, bias, W] = [x.a, x.b, x.bias, x.w].map((t) => Array.from(t.dataSync())) as [number[], number[], number[], number[]];
      const elu = (v: number) => (v > 0 ? v : Math.expm1(v));
      const loss = (a: number[], b: number[], c: number[]): number => {
        let s = 0;
        for (let i = 0; i < m; i++) {
          for (let j = 0; j < n; j++) {
            let p = c[j]!;
            for (let q = 0; q < k; q++) p += a[i * k + q]! * b[q * n + j]!;
            s += W[i * n + j]! * elu(p);
          }
        }
        return s;
      };
      const h = 1e-6;
      const numeric = (values: number[][], which: number) =>
        values[which]!.map((_, idx) => {
          const plus = values.map((v, w) => (w === which ? v.map((e, i) => (i === idx ? e + h : e)) : v));
          const minus = values.map((v, w) => (w === which ? v.map((e, i) => (i === idx ? e - h : e)) : v));
          return (loss(plus[0]!, plus[1]!, plus[2]!) - loss(minus[0]!, minus[1]!, minus[2]!)) / (2 * h);
        });
      const got = fusedGrads({ m, k, n }, 'elu', true, x);
      got.forEach((g, i) => expectClose(g, numeric([A, B, bias], i), { rtol: 1e-4, atol: 1e-4 }));
      tf.dispose([...got, x.a, x.b, x.bias, x.w]);
    });

    it('names the supported activations for one it cannot differentiate from its output', () => {
      const x = operands({ m: 4, k: 3, n: 8 }, 1);
      const attrs = { transposeA: false, transposeB: false, activation: 'relu6', leakyreluAlpha: 0.2 };
      const f = (a: tf.Tensor) =>
        tf.sum(tf.engine().runKernel(tf._FusedMatMul, { a, b: x.b }, attrs as unknown as tf.NamedAttrMap) as tf.Tensor);
      expect(() => tf.tidy(() => tf.grad(f)(x.a))).toThrow(
        'the _FusedMatMul gradient (elbo) supports the activations linear, relu, elu, sigmoid, got relu6',
      );
      tf.dispose([x.a, x.b, x.bias, x.w]);
    });
  });
