// The TF.js Layers (Keras) form of Conv2d and ConvTranspose2d, both ways (internal; layers-model.ts uses it).
//
// Keras convolutions know only 'same' and 'valid', and tfjs-layers' Conv2DTranspose ignores output_padding,
// so PyTorch's padding is written with layers that mean the same in tfjs-layers and in Keras:
//
//   Conv2d, padding p:               ZeroPadding2D(((p_h, p_h), (p_w, p_w))) -> Conv2D 'valid'
//   ConvTranspose2d, padding p, output padding q (per axis, stride s, kernel k):
//     Keras' 'valid' transposed conv gives the full transposed convolution F, n s + max(k - s, 0) long:
//     its first (n - 1) s + k rows are PyTorch's uncropped output, the rest see no input (bias only),
//     just as PyTorch's q output-padding rows do. PyTorch's output is F from row p, (n - 1) s + k - 2p + q long:
//       [ZeroPadding2D(((0, 1), (0, 1)))] -> Conv2DTranspose 'valid' -> Cropping2D(((p, e), ...)),
//       e = max(s - k, 0) + p - q (rows left over at the bottom); where e < 0, one zero row below the
//       input adds s bias-only rows to F (a zero pixel contributes nothing) and e + s >= 0 since q < s.
//   The activation goes on the convolution: it is elementwise, so it commutes with the cropping.
// Import reads these patterns (and plain 'same' / 'valid' convolutions) back into one layer each.
import type * as tf from '@tensorflow/tfjs-core';
import { ACTIVATIONS } from './activations';
import type { ActivationName } from './activations';
import { convLength, convTransposeLength } from './conv-common';
import { ConvTranspose2d } from './conv-transpose2d';
import type { ConvTranspose2dOptions } from './conv-transpose2d';
import { Conv2d } from './conv2d';
import type { Conv2dOptions } from './conv2d';

/** What TF.js Layers writes for a layer with weights and none of Keras' extras: default initializers, no regularizer or constraint. */
export const KERAS_WEIGHT_SETTINGS = {
  kernel_initializer: { class_name: 'GlorotUniform', config: { seed: null } },
  bias_initializer: { class_name: 'Zeros', config: {} },
  kernel_regularizer: null,
  bias_regularizer: null,
  activity_regularizer: null,
  kernel_constraint: null,
  bias_constraint: null,
} as const;

/** Keras JSON of one layer (the fields read and written here). */
export interface KerasLayerJSON {
  class_name: string;
  config: Record<string, unknown> & { name?: string };
}

type Pair = [number, number];

/**
 * The Keras layers (1 to 3) and named weights of a conv layer. `name(kerasClass)` names each Keras layer.
 */
export function convToKeras(
  layer: Conv2d | ConvTranspose2d,
  name: (kerasClass: string) => string,
  common: Record<string, unknown>,
): { layers: KerasLayerJSON[]; weights: tf.NamedTensorMap } {
  const transposed = layer instanceof ConvTranspose2d;
  const cls = transposed ? 'Conv2DTranspose' : 'Conv2D';
  const convName = name(cls);
  const weights: tf.NamedTensorMap = { [`${convName}/kernel`]: layer.kernel };
  if (layer.bias != null) weights[`${convName}/bias`] = layer.bias;
  const padding = layer.padding;
  const conv = (mode: 'same' | 'valid'): KerasLayerJSON => ({
    class_name: cls,
    config: {
      filters: layer.outChannels,
      kernel_size: layer.kernelSize,
      strides: layer.stride,
      padding: mode,
      data_format: 'channels_last',
      dilation_rate: [1, 1],
      activation: layer.activation,
      use_bias: layer.bias != null,
      ...KERAS_WEIGHT_SETTINGS,
      ...common,
      name: convName,
    },
  });
  const shapeLayer = (cls: 'ZeroPadding2D' | 'Cropping2D', key: string, value: [Pair, Pair]): KerasLayerJSON => ({
    class_name: cls,
    config: { [key]: value, data_format: 'channels_last', ...common, name: name(cls) },
  });
  if (typeof padding === 'string') return { layers: [conv(padding)], weights };
  const [ph, pw] = padding;
  if (!transposed) {
    const pad =
      ph > 0 || pw > 0
        ? [
            shapeLayer('ZeroPadding2D', 'padding', [
              [ph, ph],
              [pw, pw],
            ]),
          ]
        : [];
    return { layers: [...pad, conv('valid')], weights };
  }
  const plan = [0, 1].map((axis) => {
    const [k, s, p, q] = [layer.kernelSize[axis]!, layer.stride[axis]!, padding[axis]!, layer.outputPadding[axis]!];
    const e = Math.max(s - k, 0) + p - q;
    return e < 0 ? { extra: 1, top: p, bottom: e + s } : { extra: 0, top: p, bottom: e };
  }) as [{ extra: number; top: number; bottom: number }, { extra: number; top: number; bottom: number }];
  const [h, w] = plan;
  const layers: KerasLayerJSON[] = [];
  if (h.extra + w.extra > 0)
    layers.push(
      shapeLayer('ZeroPadding2D', 'padding', [
        [0, h.extra],
        [0, w.extra],
      ]),
    );
  layers.push(conv('valid'));
  if (h.top + h.bottom + w.top + w.bottom > 0)
    layers.push(
      shapeLayer('Cropping2D', 'cropping', [
        [h.top, h.bottom],
        [w.top, w.bottom],
      ]),
    );
  return { layers, weights };
}

/** What reading a run of Keras layers as one conv layer gives. */
export interface ConvReading {
  /** Keras layers read (1 to 3). */
  count: number;
  weights: { name: string; shape: number[] }[];
  outputShape: number[];
  make(): Conv2d | ConvTranspose2d;
}

/** A Keras size: an integer or a list of two (Keras 3 and tfjs write lists). */
function kerasPair(v: unknown, what: string, fail: (why: string) => never, min = 1): Pair {
  if (Number.isInteger(v) && (v as number) >= min) return [v as number, v as number];
  if (Array.isArray(v) && v.length === 2 && v.every((d) => Number.isInteger(d) && d >= min)) return [v[0], v[1]];
  return fail(`has ${what} ${JSON.stringify(v)}; expected an integer >= ${min} or two of them`);
}

/** ZeroPadding2D's `padding` / Cropping2D's `cropping`: n, [h, w] or [[top, bottom], [left, right]]. */
function kerasSides(v: unknown, what: string, fail: (why: string) => never): [Pair, Pair] {
  if (Array.isArray(v) && v.length === 2 && Array.isArray(v[0]) && Array.isArray(v[1]))
    return [kerasPair(v[0], what, fail, 0), kerasPair(v[1], what, fail, 0)];
  const [h, w] = kerasPair(v, what, fail, 0);
  return [
    [h, h],
    [w, w],
  ];
}

function checkChannelsLast(c: Record<string, unknown>, fail: (why: string) => never): void {
  const format = c.data_format ?? 'channels_last';
  if (format !== 'channels_last' && format !== 'channelsLast')
    fail(`has data_format ${JSON.stringify(format)}; only channels_last (NHWC, TF.js' layout) can be imported`);
}

/**
 * Reads the Keras layers from `at` as one Conv2d / ConvTranspose2d: an optional ZeroPadding2D, a Conv2D or
 * Conv2DTranspose, and (after a Conv2DTranspose) an optional Cropping2D. `fail(index, why)` throws naming the layer.
 */
export function readConv(
  layers: readonly KerasLayerJSON[],
  at: number,
  shape: readonly number[],
  fail: (index: number, why: string) => never,
): ConvReading {
  let i = at;
  let before: [Pair, Pair] | null = null;
  if (layers[i]!.class_name === 'ZeroPadding2D') {
    const failPad = (why: string) => fail(at, why);
    checkChannelsLast(layers[i]!.config, failPad);
    before = kerasSides(layers[i]!.config.padding, 'padding', failPad);
    const next = layers[i + 1]?.class_name;
    if (next !== 'Conv2D' && next !== 'Conv2DTranspose')
      failPad(`is followed by ${next ?? 'nothing'}; a ZeroPadding2D can be imported only right before a Conv2D or Conv2DTranspose`);
    i++;
  }
  const index = i;
  const l = layers[index]!;
  const c = l.config;
  const failConv = (why: string): never => fail(index, why);
  const transposed = l.class_name === 'Conv2DTranspose';
  checkChannelsLast(c, failConv);
  if (c.dilation_rate != null) {
    const [dh, dw] = kerasPair(c.dilation_rate, 'dilation_rate', failConv);
    if (dh !== 1 || dw !== 1) failConv(`has dilation_rate ${JSON.stringify(c.dilation_rate)}; only 1 can be imported`);
  }
  if (c.groups != null && c.groups !== 1) failConv(`has groups ${JSON.stringify(c.groups)}; only 1 can be imported`);
  const filters = c.filters as number;
  if (!Number.isInteger(filters) || filters < 1) failConv(`has filters ${JSON.stringify(filters)}`);
  const kernel = kerasPair(c.kernel_size, 'kernel_size', failConv);
  const stride = kerasPair(c.strides ?? 1, 'strides', failConv);
  if (c.padding != null && c.padding !== 'same' && c.padding !== 'valid')
    failConv(`has padding ${JSON.stringify(c.padding)}; 'same' and 'valid' can be imported`);
  const mode = (c.padding ?? 'valid') as 'same' | 'valid';
  const act = (c.activation ?? 'linear') as ActivationName;
  if (!ACTIVATIONS.includes(act)) failConv(`has activation "${String(c.activation)}"; supported: ${ACTIVATIONS.join(', ')}`);
  if (shape.length !== 3)
    failConv(`takes images [height, width, channels] but gets items of shape [${shape.join(', ')}] (add a Reshape layer)`);
  const [h, w, inChannels] = shape as [number, number, number];
  const bias = c.use_bias !== false;
  const name = String(c.name ?? (transposed ? 'conv2d_transpose' : 'conv2d'));
  const common = { inChannels, outChannels: filters, kernelSize: kernel, stride, bias, init: 'zeros' as const, activation: act, name };
  const kernelShape = transposed ? [kernel[0], kernel[1], filters, inChannels] : [kernel[0], kernel[1], inChannels, filters];
  const weights = [{ name: `${name}/kernel`, shape: kernelShape }, ...(bias ? [{ name: `${name}/bias`, shape: [filters] }] : [])];
  let outputShape: number[];
  let make: () => Conv2d | ConvTranspose2d;
  let count = index - at + 1;
  if (!transposed) {
    let padding: Conv2dOptions['padding'] = mode;
    if (before != null) {
      const symmetric = before[0][0] === before[0][1] && before[1][0] === before[1][1];
      if (mode !== 'valid' || !symmetric)
        fail(
          at,
          `pads ${JSON.stringify(before)} before a '${mode}' Conv2D; only equal padding on both sides before a 'valid' one can be imported`,
        );
      padding = [before[0][0], before[1][0]];
    }
    const g: { mode: 'same' | 'valid' | 'explicit'; pad: readonly [number, number] } =
      typeof padding === 'string' ? { mode: padding, pad: [0, 0] } : { mode: 'explicit', pad: padding as Pair };
    outputShape = [convLength(h, kernel[0], stride[0], g.mode, g.pad[0]!), convLength(w, kernel[1], stride[1], g.mode, g.pad[1]!), filters];
    const options: Conv2dOptions = { ...common, padding };
    make = () => new Conv2d(options);
  } else {
    let crop: [Pair, Pair] = [
      [0, 0],
      [0, 0],
    ];
    if (layers[index + 1]?.class_name === 'Cropping2D') {
      const failCrop = (why: string) => fail(index + 1, why);
      checkChannelsLast(layers[index + 1]!.config, failCrop);
      crop = kerasSides(layers[index + 1]!.config.cropping, 'cropping', failCrop);
      count++;
    }
    const op0 = c.output_padding == null ? null : kerasPair(c.output_padding, 'output_padding', failConv, 0);
    const plain = before == null && op0 == null && crop.flat().every((d) => d === 0);
    if (plain) {
      outputShape = [
        convTransposeLength(h, kernel[0], stride[0], mode, 0, 0),
        convTransposeLength(w, kernel[1], stride[1], mode, 0, 0),
        filters,
      ];
      make = () => new ConvTranspose2d({ ...common, padding: mode });
    } else {
      if (mode !== 'valid')
        failConv(`is a 'same' Conv2DTranspose with padding, cropping or output_padding around it; only a 'valid' one can be imported so`);
      if (before != null && (before[0][0] !== 0 || before[1][0] !== 0))
        fail(at, `pads ${JSON.stringify(before)} above or left of a Conv2DTranspose; only padding below and right can be imported`);
      // the full transposed convolution is (n - 1) s + k + base long; PyTorch's p = crop top, q = what the bottom crop leaves
      const [alongH, alongW] = [0, 1].map((axis) => {
        const [k, s] = [kernel[axis]!, stride[axis]!];
        const base = (before?.[axis]![1] ?? 0) * s + (op0?.[axis] ?? Math.max(s - k, 0));
        return [crop[axis]![0], base + crop[axis]![0] - crop[axis]![1]];
      }) as [Pair, Pair];
      const p: Pair = [alongH[0], alongW[0]];
      const q: Pair = [alongH[1], alongW[1]];
      if (q.some((d, axis) => d < 0 || d >= stride[axis]!))
        failConv(
          `with the padding and cropping around it needs output padding [${q.join(', ')}], which PyTorch's rule (0 <= output padding < stride [${stride.join(', ')}]) does not allow`,
        );
      const options: ConvTranspose2dOptions = { ...common, padding: p, outputPadding: q };
      outputShape = [
        convTransposeLength(h, kernel[0], stride[0], 'explicit', p[0]!, q[0]!),
        convTransposeLength(w, kernel[1], stride[1], 'explicit', p[1]!, q[1]!),
        filters,
      ];
      make = () => new ConvTranspose2d(options);
    }
  }
  if (outputShape[0]! < 1 || outputShape[1]! < 1)
    failConv(`cannot take images of ${h} x ${w}: the output would be ${outputShape[0]} x ${outputShape[1]}`);
  return { count, weights, outputShape, make };
}
