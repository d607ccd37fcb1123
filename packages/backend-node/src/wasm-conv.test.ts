import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { beforeAll, describe, expect, it } from 'vitest';
import { expectNoLeaks, loadReference } from '../../../tooling/testing';
import {
  backpropFilterKernel,
  conv2dKernel,
  convModules,
  convPatchesModuleBytes,
  simdGemmModuleBytes,
  wasmMemory,
  type ConvModules,
} from '@elbo/backend-common';
import { selectBackend } from './index';

type Pad = 'valid' | 'same' | number | [[number, number], [number, number], [number, number], [number, number]];

interface ConvCase {
  name: string;
  transposed: boolean;
  torch: { in_channels: number; out_channels: number; kernel_size: number; stride: number; padding: number; output_padding: number };
  x_nhwc: unknown[];
  filter: unknown[];
  bias: number[];
  y_nhwc: unknown[];
  upstream_nhwc: unknown[];
  grad_x_nhwc: unknown[];
  grad_filter: unknown[];
  grad_bias: number[];
}

/** A float32 tolerance: the largest difference may be RTOL of the largest expected magnitude. */
const RTOL = 1e-4;

/**
 * The comparison every check here goes through (oracle, cpu backend, and the
 * broken kernel that must fail it): max |actual - expected| <= RTOL max |expected|.
 */
function expectMatches(actual: ArrayLike<number>, expected: ArrayLike<number>, what: string): void {
  if (actual.length !== expected.length) throw new Error(`${what}: ${actual.length} values, expected ${expected.length}`);
  let scale = 0;
  for (let i = 0; i < expected.length; i++) scale = Math.max(scale, Math.abs(expected[i]!));
  let worst = -1;
  let worstDiff = 0;
  for (let i = 0; i < expected.length; i++) {
    const diff = Math.abs(actual[i]! - expected[i]!);
    if (!(diff <= worstDiff) || Number.isNaN(diff)) [worst, worstDiff] = [i, Number.isNaN(diff) ? Infinity : diff];
  }
  if (worstDiff > RTOL * Math.max(scale, 1e-30))
    throw new Error(
      `${what}: at ${worst} got ${actual[worst]}, expected ${expected[worst]} (|diff| ${worstDiff.toExponential(2)} > ${RTOL} x max |expected| ${scale.toExponential(2)})`,
    );
}

const flat = (nested: unknown[]): number[] => (nested as number[]).flat(Infinity as 1) as number[];
const shapeOf = (nested: unknown): number[] => (Array.isArray(nested) ? [nested.length, ...shapeOf(nested[0])] : []);
const explicit = (p: number): Pad => [
  [0, 0],
  [p, p],
  [p, p],
  [0, 0],
];

/** Forward output and the gradients of sum(y * upstream) for x, filter and bias, as flat arrays. */
function convAndGrads(
  transposed: boolean,
  x: tf.Tensor4D,
  filter: tf.Tensor4D,
  bias: tf.Tensor1D,
  upstream: tf.Tensor4D,
  strides: [number, number],
  pad: Pad,
): { y: Float32Array; dx: Float32Array; dFilter: Float32Array; dBias: Float32Array } {
  const forward = (xx: tf.Tensor4D, ff: tf.Tensor4D, bb: tf.Tensor1D): tf.Tensor4D =>
    tf.add(
      transposed
        ? tf.conv2dTranspose(xx, ff, upstream.shape, strides, pad as Exclude<Pad, 'valid' | 'same'>)
        : tf.conv2d(xx, ff, strides, pad as Exclude<Pad, number>),
      bb,
    );
  return tf.tidy(() => {
    const y = forward(x, filter, bias);
    const [dx, dFilter, dBias] = tf.grads((xx: tf.Tensor, ff: tf.Tensor, bb: tf.Tensor) =>
      tf.sum(tf.mul(forward(xx as tf.Tensor4D, ff as tf.Tensor4D, bb as tf.Tensor1D), upstream)),
    )([x, filter, bias]);
    return {
      y: y.dataSync() as Float32Array,
      dx: dx!.dataSync() as Float32Array,
      dFilter: dFilter!.dataSync() as Float32Array,
      dBias: dBias!.dataSync() as Float32Array,
    };
  });
}

/** A small seeded generator (mulberry32), so a failing random case can be rerun. */
function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const oracle = loadReference<{ cases: ConvCase[] }>('conv');

describe("elbo's convolution kernels on wasm", () => {
  let modules: ConvModules;

  beforeAll(async () => {
    const selection = await selectBackend({ prefer: ['wasm'], fallback: false });
    expect(selection.reason).toMatch(/Conv2D, Conv2DBackpropInput, Conv2DBackpropFilter on elbo's SIMD im2col kernels/);
    expect(tf.getKernel('Conv2DBackpropFilter', 'wasm')).toBeDefined();
    modules = convModules(wasmMemory(tf.backend())!)!;
    expect(modules).not.toBeNull();
  });

  it('assembles valid modules', () => {
    for (const shared of [false, true]) {
      expect(WebAssembly.validate(convPatchesModuleBytes(shared))).toBe(true);
      expect(WebAssembly.validate(simdGemmModuleBytes(false, shared))).toBe(true);
    }
  });

  describe('match PyTorch (float64) on every case of reference/conv.json', () => {
    for (const c of oracle.cases) {
      it(c.name, () => {
        expect(tf.getBackend()).toBe('wasm');
        const { stride, padding, output_padding: op, kernel_size: k } = c.torch;
        const x = tf.tensor4d(flat(c.x_nhwc), shapeOf(c.x_nhwc) as [number, number, number, number]);
        const filter = tf.tensor4d(flat(c.filter), shapeOf(c.filter) as [number, number, number, number]);
        const bias = tf.tensor1d(c.bias);
        const upstream = tf.tensor4d(flat(c.upstream_nhwc), shapeOf(c.upstream_nhwc) as [number, number, number, number]);
        if (c.transposed) {
          // PyTorch's output size: (in - 1) s - 2 p + k + output_padding.
          const [, h, w] = x.shape;
          expect(upstream.shape.slice(1, 3)).toEqual([(h - 1) * stride - 2 * padding + k + op, (w - 1) * stride - 2 * padding + k + op]);
        }
        const got = convAndGrads(c.transposed, x, filter, bias, upstream, [stride, stride], explicit(padding));
        expectMatches(got.y, flat(c.y_nhwc), `${c.name}: output`);
        expectMatches(got.dx, flat(c.grad_x_nhwc), `${c.name}: input gradient`);
        expectMatches(got.dFilter, flat(c.grad_filter), `${c.name}: filter gradient`);
        expectMatches(got.dBias, c.grad_bias, `${c.name}: bias gradient`);
        tf.dispose([x, filter, bias, upstream]);
      });
    }
  });

  describe('match the cpu backend on random shapes', () => {
    // Batch 1-3, kernels 1-5 by 1-5, strides 1-3 by 1-3, padding 0-2 on each side (and 'same' / 'valid'),
    // rectangular images, channel counts off the kernels' multiples of 4 and 8; the last cases span
    // several blocks of output pixels with a ragged last one.
    const rand = random(20261202);
    const int = (lo: number, hi: number): number => lo + Math.floor(rand() * (hi - lo + 1));
    const cases: {
      batch: number;
      h: number;
      w: number;
      inC: number;
      outC: number;
      kh: number;
      kw: number;
      strides: [number, number];
      pad: Pad;
    }[] = [];
    for (let i = 0; i < 24; i++) {
      const [kh, kw] = [int(1, 5), int(1, 5)];
      const pads = [int(0, 2), int(0, 2), int(0, 2), int(0, 2)];
      const pad: Pad =
        i % 8 === 6
          ? 'same'
          : i % 8 === 7
            ? 'valid'
            : [
                [0, 0],
                [pads[0]!, pads[1]!],
                [pads[2]!, pads[3]!],
                [0, 0],
              ];
      cases.push({
        batch: int(1, 3),
        h: int(kh, 12),
        w: int(kw, 12),
        inC: int(1, 9),
        outC: int(1, 12),
        kh,
        kw,
        strides: [int(1, 3), int(1, 3)],
        pad,
      });
    }
    cases.push({ batch: 3, h: 33, w: 35, inC: 7, outC: 10, kh: 3, kw: 3, strides: [1, 1], pad: explicit(1) });
    cases.push({ batch: 2, h: 40, w: 37, inC: 16, outC: 24, kh: 3, kw: 3, strides: [2, 2], pad: explicit(1) });
    cases.push({ batch: 1, h: 30, w: 29, inC: 1, outC: 32, kh: 3, kw: 3, strides: [1, 1], pad: explicit(1) });

    for (const [i, g] of cases.entries()) {
      for (const transposed of [false, true]) {
        it(`${transposed ? 'transposed ' : ''}#${i}: x [${g.batch},${g.h},${g.w},${g.inC}], kernel ${g.kh}x${g.kw}, ${g.inC} -> ${g.outC}, strides ${g.strides}, pad ${JSON.stringify(g.pad)}`, async () => {
          const values = random(1000 + i);
          const make = (shape: number[]): Float32Array =>
            Float32Array.from({ length: tf.util.sizeFromShape(shape) }, () => 2 * values() - 1);
          const outShape = tf.backend_util.computeConv2DInfo(
            [g.batch, g.h, g.w, g.inC],
            [g.kh, g.kw, g.inC, g.outC],
            g.strides,
            1,
            g.pad as Exclude<Pad, number>,
          ).outShape;
          // The transposed convolution maps y-shaped tensors back to x's shape, with the same filter.
          const [inShape, upShape] = transposed ? [outShape, [g.batch, g.h, g.w, g.inC]] : [[g.batch, g.h, g.w, g.inC], outShape];
          const data = {
            x: make(inShape),
            filter: make([g.kh, g.kw, g.inC, g.outC]),
            bias: make([transposed ? g.inC : g.outC]),
            up: make(upShape),
          };
          const on = async (backend: string): Promise<ReturnType<typeof convAndGrads>> => {
            expect(await tf.setBackend(backend)).toBe(true);
            const t = {
              x: tf.tensor4d(data.x, inShape as [number, number, number, number]),
              filter: tf.tensor4d(data.filter, [g.kh, g.kw, g.inC, g.outC]),
              bias: tf.tensor1d(data.bias),
              up: tf.tensor4d(data.up, upShape as [number, number, number, number]),
            };
            try {
              return convAndGrads(transposed, t.x, t.filter, t.bias, t.up, g.strides, g.pad);
            } finally {
              tf.dispose(Object.values(t));
            }
          };
          try {
            const want = await on('cpu');
            const got = await on('wasm');
            expectMatches(got.y, want.y, 'output');
            expectMatches(got.dx, want.dx, 'input gradient');
            expectMatches(got.dFilter, want.dFilter, 'filter gradient');
            expectMatches(got.dBias, want.dBias, 'bias gradient');
          } finally {
            await tf.setBackend('wasm');
          }
        });
      }
    }
  });

  describe('filter gradients agree with finite differences', () => {
    for (const transposed of [false, true]) {
      it(transposed ? 'of a transposed convolution (stride 2, output padding 1)' : 'of a convolution (stride 2, pad 1)', () => {
        const values = random(transposed ? 7 : 5);
        const make = (shape: number[]): tf.Tensor4D =>
          tf.tensor4d(
            Float32Array.from({ length: tf.util.sizeFromShape(shape) }, () => 2 * values() - 1),
            shape as [number, number, number, number],
          );
        const x = make(transposed ? [2, 4, 5, 3] : [2, 9, 8, 3]);
        const filter = make([3, 3, transposed ? 2 : 3, transposed ? 3 : 2]);
        const outShape: [number, number, number, number] = transposed ? [2, 8, 10, 2] : [2, 5, 4, 2];
        // A smooth loss, so the differences test more than a linear map.
        const loss = (f: tf.Tensor): tf.Scalar =>
          tf.sum(
            tf.sin(
              transposed
                ? tf.conv2dTranspose(x, f as tf.Tensor4D, outShape, 2, explicit(1) as never)
                : tf.conv2d(x, f as tf.Tensor4D, 2, explicit(1) as never),
            ),
          );
        const grad = tf.tidy(() => tf.grad(loss)(filter).dataSync());
        const base = filter.dataSync();
        const h = 1e-2;
        for (let i = 0; i < base.length; i += 5) {
          const at = (delta: number): number =>
            tf.tidy(() => {
              const shifted = Float32Array.from(base);
              shifted[i]! += delta;
              return loss(tf.tensor4d(shifted, filter.shape)).dataSync()[0]!;
            });
          const numeric = (at(h) - at(-h)) / (2 * h);
          expect(Math.abs(grad[i]! - numeric), `filter[${i}]: analytic ${grad[i]}, numeric ${numeric}`).toBeLessThan(
            2e-3 * Math.max(1, Math.abs(numeric)),
          );
        }
        tf.dispose([x, filter]);
      });
    }
  });

  it('leaves no tensor behind: numTensors is unchanged after the gradients', async () => {
    const x = tf.randomUniform([2, 9, 9, 3]) as tf.Tensor4D;
    const f = tf.randomUniform([3, 3, 3, 5]) as tf.Tensor4D;
    const ft = tf.randomUniform([3, 3, 4, 5]);
    await expectNoLeaks(() => {
      const grads = tf.grads((xx: tf.Tensor, ff: tf.Tensor) =>
        tf.sum(tf.conv2d(xx as tf.Tensor4D, ff as tf.Tensor4D, 2, explicit(1) as never)),
      )([x, f]);
      const y = tf.tidy(() => tf.conv2d(x, f, 2, explicit(1) as never));
      const gradsT = tf.grads((yy: tf.Tensor, ff: tf.Tensor) =>
        tf.sum(tf.conv2dTranspose(yy as tf.Tensor4D, ff as tf.Tensor4D, [2, 10, 10, 4], 2, explicit(1) as never)),
      )([y, ft]);
      tf.dispose([...grads, y, ...gradsT]);
    });
    tf.dispose([x, f, ft]);
  });

  it('says why it takes no dilated convolution', () => {
    const x = tf.randomUniform([1, 6, 6, 2]) as tf.Tensor4D;
    const dy = tf.randomUniform([1, 6, 6, 3]);
    expect(() =>
      tf
        .engine()
        .runKernel(
          'Conv2DBackpropFilter',
          { x, dy },
          { strides: 1, pad: 'same', dataFormat: 'NHWC', dilations: 2, filterShape: [3, 3, 2, 3] },
        ),
    ).toThrow(/Conv2DBackpropFilter on wasm: elbo's kernel takes NHWC float32 convolutions with dilations 1, not dilations 2/);
    // Dilated forward convolutions go to tfjs' kernel.
    const f = tf.randomUniform([3, 3, 2, 3]) as tf.Tensor4D;
    const dilated = tf.conv2d(x, f, 1, 'same', 'NHWC', 2);
    expect(dilated.shape).toEqual([1, 6, 6, 3]);
    tf.dispose([x, dy, f, dilated]);
  });

  describe('a deliberately broken kernel fails the same comparison', () => {
    // The oracle case, run through the kernel functions directly, with the real modules and with a fault injected.
    const c = oracle.cases.find((k) => !k.transposed && k.torch.stride === 1 && k.torch.padding === 1)!;
    const tensors = (): { x: tf.Tensor4D; filter: tf.Tensor4D; upstream: tf.Tensor4D } => ({
      x: tf.tensor4d(flat(c.x_nhwc), shapeOf(c.x_nhwc) as [number, number, number, number]),
      filter: tf.tensor4d(flat(c.filter), shapeOf(c.filter) as [number, number, number, number]),
      upstream: tf.tensor4d(flat(c.upstream_nhwc), shapeOf(c.upstream_nhwc) as [number, number, number, number]),
    });
    const noOriginal = (): never => {
      throw new Error('not reached');
    };
    const run = (kernel: typeof conv2dKernel, inputs: tf.NamedTensorInfoMap, attrs: tf.NamedAttrMap, with_: ConvModules): Float32Array => {
      const out = kernel({ inputs, backend: tf.backend(), attrs }, with_, noOriginal) as tf.TensorInfo;
      const t = tf.engine().makeTensorFromTensorInfo(out);
      try {
        return t.dataSync() as Float32Array;
      } finally {
        t.dispose();
      }
    };
    const filterGradient = (with_: ConvModules): Float32Array => {
      const { x, filter, upstream } = tensors();
      try {
        return run(
          backpropFilterKernel,
          { x, dy: upstream },
          { strides: 1, pad: explicit(1), dataFormat: 'NHWC', filterShape: filter.shape },
          with_,
        );
      } finally {
        tf.dispose([x, filter, upstream]);
      }
    };
    const output = (with_: ConvModules): Float32Array => {
      const { x, filter, upstream } = tensors();
      try {
        return run(conv2dKernel, { x, filter }, { strides: 1, pad: explicit(1), dataFormat: 'NHWC', dilations: 1 }, with_);
      } finally {
        tf.dispose([x, filter, upstream]);
      }
    };
    // y = conv + bias in the oracle; the kernel alone gives conv.
    const outputWithoutBias = (): number[] => flat(c.y_nhwc).map((v, i) => v - c.bias[i % c.bias.length]!);

    it('the real modules pass', () => {
      expectMatches(filterGradient(modules), flat(c.grad_filter), 'filter gradient');
      expectMatches(output(modules), outputWithoutBias(), 'output');
    });

    it('im2col reading x one element off fails the filter gradient and the output', () => {
      const broken: ConvModules = { ...modules, patches: (x, col, ...rest) => modules.patches(x + 4, col, ...rest) };
      expect(() => expectMatches(filterGradient(broken), flat(c.grad_filter), 'filter gradient')).toThrow(/filter gradient: at \d+ got/);
      expect(() => expectMatches(output(broken), outputWithoutBias(), 'output')).toThrow(/output: at \d+ got/);
    });

    it('a product over one row of the shared dimension too few fails', () => {
      const broken: ConvModules = {
        ...modules,
        gemm: (a, sai, sak, b, ldb, c2, ldc, bias, m, n, k, flags) => modules.gemm(a, sai, sak, b, ldb, c2, ldc, bias, m, n, k - 1, flags),
      };
      expect(() => expectMatches(filterGradient(broken), flat(c.grad_filter), 'filter gradient')).toThrow(/filter gradient: at \d+ got/);
    });
  });
});
