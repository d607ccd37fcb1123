import * as tf from '@tensorflow/tfjs-core';
import { checkConvOptions, convTransposeLength, pair, showOption, tfPad } from './conv-common';
import type { ConvCommonOptions, CheckedConvOptions } from './conv-common';
import { ConvLayer } from './conv-layer';
import type { LayerConfig } from './layer';
import { registerLayer } from './registry';

/**
 * Options of {@link convTranspose2d} / `new ConvTranspose2d(...)`. Sizes are a positive integer or a pair `[h, w]`.
 * @example
 * ```ts
 * const options: ConvTranspose2dOptions = { inChannels: 32, outChannels: 1, kernelSize: 3, stride: 2, padding: 1, outputPadding: 1 };
 * ```
 */
export interface ConvTranspose2dOptions extends ConvCommonOptions {
  /** Channels of the input images (the last axis of `[h, w, c]`), a positive integer. */
  inChannels: number;
  /** Channels of the output, a positive integer. */
  outChannels: number;
  /** `k` or `[kh, kw]`. */
  kernelSize: number | readonly [number, number];
  /** `s` or `[sh, sw]`: how far apart the input pixels land in the output. Default 1. */
  stride?: number | readonly [number, number];
  /**
   * PyTorch's meaning: `p` (or `[ph, pw]`) rows and columns cropped from every side of the
   * full transposed convolution, default 0; output `(n - 1) s - 2p + k + outputPadding`.
   * Or TF's / Keras' `'same'` (output `n s`) or `'valid'` (output `n s + max(k - s, 0)`).
   * Any padding is allowed as long as the output has at least one pixel (PyTorch's rule).
   */
  padding?: number | readonly [number, number] | 'same' | 'valid';
  /**
   * Extra rows (columns) at the bottom (right) of the output, PyTorch's `output_padding`:
   * a non-negative integer or `[h, w]` below the stride, only with a numeric padding. Default 0.
   */
  outputPadding?: number | readonly [number, number];
  /** Whether the layer adds a bias per output channel. Default true. */
  bias?: boolean;
  /**
   * `'pytorch'` (default): `nn.ConvTranspose2d`'s, kernel and bias uniform in ±1/sqrt(fanIn)
   * where, as PyTorch computes it from its weight `[in, out, kh, kw]`, fanIn = outChannels kh kw.
   * `'glorot'`: Keras' default, uniform in ±sqrt(6 / ((inChannels + outChannels) kh kw)), bias 0.
   * `'zeros'`: all 0.
   */
  init?: 'pytorch' | 'glorot' | 'zeros';
  /** Seed of the initializer; same seed, same weights. Default 0. */
  seed?: number;
  /** Activation applied after the bias. Default `'linear'` (none). */
  activation?: ConvCommonOptions['activation'];
  /** Name prefix of the variables (a counter is appended). Default `'conv_transpose2d'`. */
  name?: string;
}

/**
 * {@link ConvTranspose2d.getConfig}'s result.
 * @example
 * ```ts
 * const config: ConvTranspose2dConfig = convTranspose2d({ inChannels: 4, outChannels: 1, kernelSize: 3 }).getConfig();
 * ```
 */
export interface ConvTranspose2dConfig extends LayerConfig, CheckedConvOptions {
  kind: 'ConvTranspose2d';
  outputPadding: number | [number, number];
}

const OPTIONS = [
  'inChannels',
  'outChannels',
  'kernelSize',
  'stride',
  'padding',
  'outputPadding',
  'bias',
  'init',
  'seed',
  'activation',
  'name',
  'kind',
];

/**
 * A 2-D transposed convolution over NHWC images (the gradient of a convolution with
 * respect to its input; "deconvolution"), PyTorch's `nn.ConvTranspose2d` with TF.js' layouts:
 *
 * ```
 * full[n, i s_h + a, j s_w + c, o] += x[n, i, j, q] K[a, c, o, q]      (every i, j, a, c, q)
 * y = act( full cropped by p_h rows top and bottom, p_w columns left and right, + b )
 *   x: [n, h, w, inChannels]   K: [kh, kw, outChannels, inChannels]   b: [outChannels]
 *   output h' = (h - 1) s_h - 2 p_h + kh + outputPadding_h   (and w' alike)
 * ```
 *
 * Computed as `tf.conv2dTranspose(x, K, [n, h', w', outChannels], s, [[0, 0], [ph, ph], [pw, pw], [0, 0]])`,
 * which matches PyTorch exactly, output padding included. A single image `[h, w, c]` works too.
 * Weights are named `kernel` and `bias`, as in Keras' Conv2DTranspose.
 * @example
 * ```ts
 * const up = new ConvTranspose2d({ inChannels: 8, outChannels: 1, kernelSize: 3, stride: 2, padding: 1, outputPadding: 1 });
 * up.apply(tf.zeros([16, 14, 14, 8])).shape; // [16, 28, 28, 1]
 * up.dispose();
 * ```
 */
export class ConvTranspose2d extends ConvLayer<ConvTranspose2dConfig> {
  readonly kind = 'ConvTranspose2d';
  private readonly extra: [number, number];

  constructor(options: ConvTranspose2dOptions) {
    const caller = 'ConvTranspose2d';
    const c = checkConvOptions(options, OPTIONS, caller, 'conv_transpose2d');
    const outputPadding = options.outputPadding ?? 0;
    const [oh, ow] = pair(outputPadding, 'outputPadding', caller, 0);
    const [sh, sw] = pair(c.stride, 'stride', caller);
    if ((oh > 0 || ow > 0) && typeof c.padding === 'string') {
      throw new Error(`${caller}: outputPadding needs a numeric padding (PyTorch's meaning), got padding '${c.padding}'`);
    }
    if (oh >= sh || ow >= sw) {
      throw new Error(
        `${caller}: outputPadding must be smaller than the stride (as in PyTorch), got outputPadding ${showOption(outputPadding)} with stride ${showOption(c.stride)}`,
      );
    }
    const [kh, kw] = pair(c.kernelSize, 'kernelSize', caller);
    const config: ConvTranspose2dConfig = {
      kind: 'ConvTranspose2d',
      ...c,
      outputPadding: typeof outputPadding === 'number' ? outputPadding : [oh, ow],
    };
    // PyTorch keeps this weight as [in, out, kh, kw] and its _calculate_fan_in_and_fan_out reads
    // fan_in = size(1) * kh * kw = outChannels kh kw (not inChannels): its init bound follows that.
    super(config, [kh, kw, c.outChannels, c.inChannels], c.outChannels * kh * kw, c.inChannels * kh * kw);
    this.extra = [oh, ow];
  }

  /** `[oh, ow]`: PyTorch's `output_padding`. */
  get outputPadding(): [number, number] {
    return [...this.extra];
  }

  protected computeOutputShape(inputShape: readonly number[]): number[] {
    const { kernel, stride, pad, mode } = this.geometry;
    const [h = 0, w = 0] = inputShape;
    const outH = convTransposeLength(h, kernel[0], stride[0], mode, pad?.[0] ?? 0, this.extra[0]);
    const outW = convTransposeLength(w, kernel[1], stride[1], mode, pad?.[1] ?? 0, this.extra[1]);
    return this.checkInput(inputShape, outH, outW);
  }

  protected call(x: tf.Tensor): tf.Tensor {
    const [h, w] = this.computeOutputShape(x.shape.slice(1));
    const outputShape: [number, number, number, number] = [x.shape[0]!, h!, w!, this.outChannels];
    return this.finish(
      tf.conv2dTranspose(x as tf.Tensor4D, this.kernel as tf.Tensor4D, outputShape, this.geometry.stride, tfPad(this.geometry)),
    );
  }
}

/**
 * Makes a {@link ConvTranspose2d} layer.
 * @param options - see {@link ConvTranspose2dOptions}.
 * @example
 * ```ts
 * const decoder = sequential(
 *   [reshape([7, 7, 8]), convTranspose2d({ inChannels: 8, outChannels: 1, kernelSize: 4, stride: 4 })],
 *   { inputShape: [392] },
 * ); // [392] -> [7, 7, 8] -> [28, 28, 1]
 * ```
 */
export function convTranspose2d(options: ConvTranspose2dOptions): ConvTranspose2d {
  return new ConvTranspose2d(options);
}

registerLayer('ConvTranspose2d', { fromConfig: (config) => new ConvTranspose2d(config as unknown as ConvTranspose2dOptions) });
