import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { expectClose, expectNoLeaks } from '../../../tooling/testing';
import { ADAM_KERNEL } from '@elbo/backend-common';
import { instantiateSimdAdam, simdAdamModuleBytes } from '@elbo/backend-common';
import { selectBackend } from './index';

/** Adam in float64, the closed form the kernel must reproduce to float32 rounding. */
function reference(w: Float32Array, m: Float32Array, v: Float32Array, g: Float32Array, a: Record<string, number>): number[][] {
  const out: number[][] = [[], [], []];
  for (let i = 0; i < g.length; i++) {
    const mi = a.beta1! * m[i]! + (1 - a.beta1!) * g[i]!;
    const vi = a.beta2! * v[i]! + (1 - a.beta2!) * g[i]! ** 2;
    out[0]!.push(w[i]! - (a.stepSize! * mi) / (Math.sqrt(vi) * a.rootCorrection! + a.epsilon!));
    out[1]!.push(mi);
    out[2]!.push(vi);
  }
  return out;
}

for (const backend of ['wasm', 'cpu'] as const)
  describe(`fused Adam kernel on ${backend}`, () => {
    beforeAll(async () => {
      await selectBackend({ prefer: [backend], fallback: false });
    });

    it('is registered for wasm and cpu by selectBackend', () => {
      expect(tf.getKernel(ADAM_KERNEL, 'wasm')).toBeDefined();
      expect(tf.getKernel(ADAM_KERNEL, 'cpu')).toBeDefined();
    });

    it('assembles a valid SIMD module (plain and shared memory)', () => {
      expect(WebAssembly.validate(simdAdamModuleBytes(false))).toBe(true);
      expect(WebAssembly.validate(simdAdamModuleBytes(true))).toBe(true);
    });

    if (backend === 'wasm')
      it('runs as SIMD on the wasm backend memory', () => {
        const memory = (tf.backend() as unknown as { wasm: { asm: { memory: WebAssembly.Memory } } }).wasm.asm.memory;
        expect(memory).toBeInstanceOf(WebAssembly.Memory);
        expect(instantiateSimdAdam(memory)).toBeTypeOf('function');
      });

    it('matches float64 Adam on 1001 elements (250 SIMD groups and a tail of 1), leaving its inputs unchanged', async () => {
      const n = 1001;
      const [w, m, g] = [1, 2, 3].map((s) => tf.randomNormal([n], 0, 1, 'float32', s));
      const v = tf.randomUniform([n], 0, 2, 'float32', 4);
      const attrs = {
        beta1: 0.9,
        beta2: 0.999,
        epsilon: 1e-7,
        stepSize: 1e-3 / (1 - 0.9 ** 3),
        rootCorrection: 1 / Math.sqrt(1 - 0.999 ** 3),
      };
      const before = [w!, m!, v, g!].map((t) => t.dataSync().slice() as Float32Array);
      const outs = await expectNoLeaks(() => tf.engine().runKernel(ADAM_KERNEL, { w: w!, m: m!, v, g: g! }, attrs) as tf.Tensor[]);
      const want = reference(before[0]!, before[1]!, before[2]!, before[3]!, attrs);
      outs.forEach((out, k) => expectClose(out.dataSync(), want[k]!, { rtol: 2e-6, atol: 1e-7 }));
      [w, m, v, g].forEach((t, k) => expect(t!.dataSync()).toEqual(before[k]));
      tf.dispose([...outs, w!, m!, v, g!]);
    });

    it('names a mismatched input', () => {
      const a = tf.zeros([4]);
      const b = tf.zeros([5]);
      const attrs = { beta1: 0.9, beta2: 0.999, epsilon: 1e-7, stepSize: 1, rootCorrection: 1 };
      expect(() => tf.engine().runKernel(ADAM_KERNEL, { w: a, m: a, v: a, g: b }, attrs)).toThrow(
        /input g has shape \[5\], expected \[4\]/,
      );
      tf.dispose([a, b]);
    });
  });
