// What Conv2d and ConvTranspose2d share: option checks, output-size arithmetic and initial weights (internal).
import * as tf from '@tensorflow/tfjs-core';
import { checkKnownKeys, foldIn, tfjsSeed } from '@elbo/prob';
import { checkActivation } from './activations';
import type { ActivationName } from './activations';

/**
 * A size per spatial axis: one positive integer for both, or a pair `[h, w]`.
 * @example
 * ```ts
 * const kernelSize: Size2 = [3, 5];
 * ```
 */
export type Size2 = number | readonly [number, number];

/**
 * A convolution's padding: zeros on every side as PyTorch's `padding` (an integer
 * or `[h, w]`), or TF's `'same'` / `'valid'`.
 * @example
 * ```ts
 * const padding: ConvPadding = 1; // PyTorch's padding=1
 * ```
 */
export type ConvPadding = Size2 | 'same' | 'valid';

/**
 * How a convolutional layer draws its initial weights.
 * @example
 * ```ts
 * const init: ConvInit = 'glorot';
 * ```
 */
export type ConvInit = 'pytorch' | 'glorot' | 'zeros';

/** The options both convolutional layers take. */
export interface ConvCommonOptions {
  inChannels: number;
  outChannels: number;
  kernelSize: Size2;
  stride?: Size2;
  padding?: ConvPadding;
  bias?: boolean;
  init?: ConvInit;
  seed?: number;
  activation?: ActivationName;
  name?: string;
}

/** The checked options, every default filled in, as a config holds them. */
export interface CheckedConvOptions {
  inChannels: number;
  outChannels: number;
  kernelSize: Size2;
  stride: Size2;
  padding: ConvPadding;
  bias: boolean;
  init: ConvInit;
  seed: number;
  activation: ActivationName;
  name: string;
}

/** The geometry per axis, pairs `[h, w]`; `pad` is null for 'same' / 'valid'. */
export interface Geometry {
  kernel: [number, number];
  stride: [number, number];
  pad: [number, number] | null;
  mode: 'same' | 'valid' | 'explicit';
}

/** An option's value in a message. */
export const showOption = (v: unknown): string => (typeof v === 'string' ? `'${v}'` : (JSON.stringify(v) ?? String(v)));

/** A positive (or, with `min` 0, non-negative) integer or a pair of them, as `[h, w]`; throws naming the option. */
export function pair(value: unknown, name: string, caller: string, min: 0 | 1 = 1): [number, number] {
  const ok = (v: unknown): v is number => Number.isInteger(v) && (v as number) >= min;
  if (ok(value)) return [value, value];
  if (Array.isArray(value) && value.length === 2 && value.every(ok)) return [value[0] as number, value[1] as number];
  const what = min === 1 ? 'a positive integer' : 'a non-negative integer';
  throw new Error(`${caller}: ${name} must be ${what} or a pair [h, w] of them, got ${showOption(value)}`);
}

/** Checks every option both layers share and fills in the defaults. */
export function checkConvOptions(options: unknown, known: readonly string[], caller: string, defaultName: string): CheckedConvOptions {
  if (options == null || typeof options !== 'object' || Array.isArray(options))
    throw new TypeError(`${caller}: options must be an object { inChannels, outChannels, kernelSize, ... }, got ${showOption(options)}`);
  checkKnownKeys(options, known, caller);
  const o = options as ConvCommonOptions;
  for (const name of ['inChannels', 'outChannels'] as const) {
    const v = o[name];
    if (!Number.isInteger(v) || v < 1) throw new Error(`${caller}: ${name} must be a positive integer, got ${showOption(v)}`);
  }
  pair(o.kernelSize, 'kernelSize', caller);
  const stride = o.stride ?? 1;
  pair(stride, 'stride', caller);
  const padding = o.padding ?? 0;
  if (padding !== 'same' && padding !== 'valid') {
    try {
      pair(padding, 'padding', caller, 0);
    } catch {
      throw new Error(
        `${caller}: padding must be a non-negative integer, a pair [h, w] of them, 'same' or 'valid', got ${showOption(padding)}`,
      );
    }
  }
  const init = o.init ?? 'pytorch';
  if (init !== 'pytorch' && init !== 'glorot' && init !== 'zeros')
    throw new Error(`${caller}: init must be 'pytorch', 'glorot' or 'zeros', got ${showOption(init)}`);
  const seed = o.seed ?? 0;
  if (typeof seed !== 'number' || !Number.isFinite(seed))
    throw new Error(`${caller}: seed must be a finite number, got ${showOption(seed)}`);
  const bias = o.bias ?? true;
  if (typeof bias !== 'boolean') throw new Error(`${caller}: bias must be a boolean, got ${showOption(bias)}`);
  const activation = checkActivation(o.activation ?? 'linear', 'activation', caller);
  const name = o.name ?? defaultName;
  if (typeof name !== 'string' || name === '') throw new Error(`${caller}: name must be a non-empty string, got ${showOption(name)}`);
  const copy = (v: Size2): Size2 => (typeof v === 'number' ? v : [v[0], v[1]]);
  return {
    inChannels: o.inChannels,
    outChannels: o.outChannels,
    kernelSize: copy(o.kernelSize),
    stride: copy(stride),
    padding: typeof padding === 'string' ? padding : copy(padding),
    bias,
    init,
    seed,
    activation,
    name,
  };
}

/** The checked options as pairs. */
export function geometry(c: CheckedConvOptions): Geometry {
  const mode = c.padding === 'same' || c.padding === 'valid' ? c.padding : 'explicit';
  return {
    kernel: pair(c.kernelSize, 'kernelSize', ''),
    stride: pair(c.stride, 'stride', ''),
    pad: mode === 'explicit' ? pair(c.padding, 'padding', '', 0) : null,
    mode,
  };
}

/**
 * Output length of a convolution along one axis (PyTorch's formula for explicit padding, TF's for 'same' / 'valid'):
 *
 * ```
 * explicit p:  floor((n + 2p - k) / s) + 1      'valid':  floor((n - k) / s) + 1      'same':  ceil(n / s)
 * ```
 *
 * 0 or less when the (padded) input is smaller than the kernel.
 */
export function convLength(n: number, k: number, s: number, mode: Geometry['mode'], p: number): number {
  if (mode === 'same') return Math.ceil(n / s);
  const padded = n + (mode === 'explicit' ? 2 * p : 0);
  return padded < k ? 0 : Math.floor((padded - k) / s) + 1;
}

/**
 * Output length of a transposed convolution along one axis:
 *
 * ```
 * explicit p, output padding q:  (n - 1) s - 2p + k + q      (PyTorch's ConvTranspose2d)
 * 'valid':  n s + max(k - s, 0)                               'same':  n s      (TF / Keras' Conv2DTranspose)
 * ```
 */
export function convTransposeLength(n: number, k: number, s: number, mode: Geometry['mode'], p: number, q: number): number {
  if (mode === 'same') return n * s;
  if (mode === 'valid') return n * s + Math.max(k - s, 0);
  return (n - 1) * s - 2 * p + k + q;
}

/** `[[0, 0], [ph, ph], [pw, pw], [0, 0]]`, or the mode itself: what tf.conv2d / tf.conv2dTranspose take as `pad`. */
export function tfPad(g: Geometry): 'same' | 'valid' | [[number, number], [number, number], [number, number], [number, number]] {
  if (g.pad == null) return g.mode as 'same' | 'valid';
  const [ph, pw] = g.pad;
  return [
    [0, 0],
    [ph, ph],
    [pw, pw],
    [0, 0],
  ];
}

/**
 * Initial kernel and bias. `'pytorch'`: both uniform in ±1/sqrt(fanIn) (PyTorch's `reset_parameters`:
 * kaiming_uniform with a = sqrt(5) gives exactly that bound for the weight, and the bias uses the same fan-in);
 * `'glorot'`: kernel uniform in ±sqrt(6 / (fanIn + fanOut)), bias 0; `'zeros'`: all 0.
 */
export function initialConvWeights(
  kernelShape: [number, number, number, number],
  biasSize: number,
  fanIn: number,
  fanOut: number,
  init: ConvInit,
  seed: number,
): [tf.Tensor4D, tf.Tensor1D] {
  const biasShape: [number] = [biasSize];
  if (init === 'zeros') return [tf.zeros(kernelShape) as tf.Tensor4D, tf.zeros(biasShape) as tf.Tensor1D];
  if (init === 'glorot') {
    const limit = Math.sqrt(6 / (fanIn + fanOut));
    return [tf.randomUniform(kernelShape, -limit, limit, 'float32', tfjsSeed(seed)) as tf.Tensor4D, tf.zeros(biasShape) as tf.Tensor1D];
  }
  const bound = 1 / Math.sqrt(fanIn);
  return [
    tf.randomUniform(kernelShape, -bound, bound, 'float32', tfjsSeed(seed)) as tf.Tensor4D,
    tf.randomUniform(biasShape, -bound, bound, 'float32', tfjsSeed(foldIn(seed, 1))) as tf.Tensor1D,
  ];
}
