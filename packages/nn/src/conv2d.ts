import * as tf from '@tensorflow/tfjs-core';
import { checkConvOptions, convLength, tfPad } from './conv-common';
import type { ConvCommonOptions, CheckedConvOptions } from './conv-common';
import { ConvLayer } from './conv-layer';
import type { LayerConfig } from './layer';
import { registerLayer } from './registry';

/**
 * Options of {@link conv2d} / `new Conv2d(...)`. Sizes are a positive integer or a pair `[h, w]`.
 * @example
 * ```ts
 * const options: Conv2dOptions = { inChannels: 1, outChannels: 32, kernelSize: 3, stride: 2, padding: 1, activation: 'relu' };
 * ```
 */
export interface Conv2dOptions extends ConvCommonOptions {
  /** Channels of the input images (the last axis of `[h, w, c]`), a positive integer. */
  inChannels: number;
  /** Channels of the output (the number of filters), a positive integer. */
  outChannels: number;
  /** `k` or `[kh, kw]`. */
  kernelSize: number | readonly [number, number];
  /** `s` or `[sh, sw]`. Default 1. */
  stride?: number | readonly [number, number];
  /**
   * PyTorch's meaning: `p` (or `[ph, pw]`) rows and columns of zeros on every side, default 0.
   * Or TF's `'same'` (output `ceil(n / s)`; an odd total padding puts the extra row at the
   * bottom and the extra column at the right, which PyTorch never does) or `'valid'` (= 0).
   * Any padding is allowed as long as the output has at least one pixel (PyTorch's rule).
   */
  padding?: number | readonly [number, number] | 'same' | 'valid';
  /** Whether the layer adds a bias per output channel. Default true. */
  bias?: boolean;
  /**
   * `'pytorch'` (default): `nn.Conv2d`'s, kernel and bias uniform in ±1/sqrt(fanIn) with
   * fanIn = inChannels kh kw. `'glorot'`: Keras' default, kernel uniform in
   * ±sqrt(6 / ((inChannels + outChannels) kh kw)), bias 0. `'zeros'`: all 0.
   */
  init?: 'pytorch' | 'glorot' | 'zeros';
  /** Seed of the initializer; same seed, same weights. Default 0. */
  seed?: number;
  /** Activation applied after the bias. Default `'linear'` (none). */
  activation?: ConvCommonOptions['activation'];
  /** Name prefix of the variables (a counter is appended). Default `'conv2d'`. */
  name?: string;
}

/**
 * {@link Conv2d.getConfig}'s result.
 * @example
 * ```ts
 * const config: Conv2dConfig = conv2d({ inChannels: 1, outChannels: 4, kernelSize: 3 }).getConfig(); // kind 'Conv2d'
 * ```
 */
export interface Conv2dConfig extends LayerConfig, CheckedConvOptions {
  kind: 'Conv2d';
}

const OPTIONS = ['inChannels', 'outChannels', 'kernelSize', 'stride', 'padding', 'bias', 'init', 'seed', 'activation', 'name', 'kind'];

/**
 * A 2-D convolution over NHWC images, PyTorch's `nn.Conv2d` with TF.js' layouts:
 *
 * ```
 * y[n, i, j, o] = act( b[o] + sum_{a, c, q} xpad[n, i s_h + a, j s_w + c, q] K[a, c, q, o] )
 *   x: [n, h, w, inChannels]   K: [kh, kw, inChannels, outChannels]   b: [outChannels]
 *   xpad: x with p_h zero rows above and below, p_w zero columns left and right
 *   output h' = floor((h + 2 p_h - kh) / s_h) + 1   (and w' alike)
 * ```
 *
 * With a numeric padding it computes `tf.conv2d(x, K, s, [[0, 0], [ph, ph], [pw, pw], [0, 0]])`,
 * which matches PyTorch exactly (also at stride 2 on even sizes, where TF's `'same'` differs).
 * A single image `[h, w, c]` works too. Weights are named `kernel` and `bias`, as in Keras' Conv2D.
 * @example
 * ```ts
 * const layer = new Conv2d({ inChannels: 1, outChannels: 8, kernelSize: 3, stride: 2, padding: 1 });
 * layer.apply(tf.zeros([16, 28, 28, 1])).shape; // [16, 14, 14, 8]
 * layer.dispose();
 * ```
 */
export class Conv2d extends ConvLayer<Conv2dConfig> {
  readonly kind = 'Conv2d';

  constructor(options: Conv2dOptions) {
    const c = checkConvOptions(options, OPTIONS, 'Conv2d', 'conv2d');
    const [kh, kw] = typeof c.kernelSize === 'number' ? [c.kernelSize, c.kernelSize] : c.kernelSize;
    super({ kind: 'Conv2d', ...c }, [kh, kw, c.inChannels, c.outChannels], c.inChannels * kh * kw, c.outChannels * kh * kw);
  }

  protected computeOutputShape(inputShape: readonly number[]): number[] {
    const { kernel, stride, pad, mode } = this.geometry;
    const [h = 0, w = 0] = inputShape;
    const outH = convLength(h, kernel[0], stride[0], mode, pad?.[0] ?? 0);
    const outW = convLength(w, kernel[1], stride[1], mode, pad?.[1] ?? 0);
    return this.checkInput(inputShape, outH, outW);
  }

  protected call(x: tf.Tensor): tf.Tensor {
    return this.finish(tf.conv2d(x as tf.Tensor4D, this.kernel as tf.Tensor4D, this.geometry.stride, tfPad(this.geometry)));
  }
}

/**
 * Makes a {@link Conv2d} layer.
 * @param options - see {@link Conv2dOptions}.
 * @example
 * ```ts
 * const encoder = sequential(
 *   [conv2d({ inChannels: 1, outChannels: 32, kernelSize: 3, stride: 2, padding: 1, activation: 'relu' }), flatten()],
 *   { inputShape: [28, 28, 1] },
 * ); // [28, 28, 1] -> [14, 14, 32] -> [6272]
 * ```
 */
export function conv2d(options: Conv2dOptions): Conv2d {
  return new Conv2d(options);
}

registerLayer('Conv2d', { fromConfig: (config) => new Conv2d(config as unknown as Conv2dOptions) });
