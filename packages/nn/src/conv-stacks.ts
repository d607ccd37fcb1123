import { checkKnownKeys, foldIn } from '@elbo/prob';
import { checkActivation } from './activations';
import type { ActivationName } from './activations';
import { Conv2d } from './conv2d';
import { ConvTranspose2d } from './conv-transpose2d';
import type { Layer } from './layer';
import { Linear } from './linear';
import { Flatten, Reshape } from './reshape';
import { Sequential } from './sequential';

/**
 * Options of {@link convEncoder}.
 * @example
 * ```ts
 * const options: ConvEncoderOptions = { inputShape: [28, 28, 1], filters: [32, 64], hidden: [256], outputDim: 32 };
 * ```
 */
export interface ConvEncoderOptions {
  /** Item shape of the images, `[height, width, channels]` (NHWC without the batch axis). */
  inputShape: readonly [number, number, number];
  /** Output width: `2 * latentDim` for a VAE's mean and log-variance, `latentDim` for an autoencoder's code. */
  outputDim: number;
  /** Channels of each stride-2 convolution, input side first. Default `[32, 64]` (the Keras VAE example's). */
  filters?: readonly number[];
  /** Odd kernel size of every convolution (padding `(k - 1) / 2`, so each one halves the size, rounding up). Default 3. */
  kernelSize?: number;
  /** Widths of the dense layers between the flattened features and the output. Default `[256]`. */
  hidden?: readonly number[];
  /** Nonlinearity after every layer but the last. Default `'relu'`. */
  activation?: ActivationName;
  /** Seed of the initializers; layer i is seeded with `foldIn(seed, i)`. Default 0. */
  seed?: number;
}

/**
 * Options of {@link convDecoder}.
 * @example
 * ```ts
 * const options: ConvDecoderOptions = { inputDim: 16, outputShape: [28, 28, 1], filters: [64, 32] };
 * ```
 */
export interface ConvDecoderOptions {
  /** Width of the code, `latentDim`. */
  inputDim: number;
  /** Item shape of the images it makes, `[height, width, channels]`. */
  outputShape: readonly [number, number, number];
  /**
   * Channels of each stride-2 transposed convolution, code side first; the first is also the
   * channel count of the reshaped dense output. Default `[64, 32]` (the Keras VAE example's).
   */
  filters?: readonly number[];
  /** Odd kernel size of every transposed convolution. Default 3. */
  kernelSize?: number;
  /** Widths of dense layers before the one that feeds the convolutions. Default `[]`. */
  hidden?: readonly number[];
  /** Nonlinearity after every layer but the last (the last gives logits or means). Default `'relu'`. */
  activation?: ActivationName;
  /** Seed of the initializers; layer i is seeded with `foldIn(seed, i)`. Default 0. */
  seed?: number;
}

const ENCODER_OPTIONS = ['inputShape', 'outputDim', 'filters', 'kernelSize', 'hidden', 'activation', 'seed'];
const DECODER_OPTIONS = ['inputDim', 'outputShape', 'filters', 'kernelSize', 'hidden', 'activation', 'seed'];

/**
 * A convolutional encoder, the Keras VAE example's shape: stride-2 convolutions
 * (each halves height and width, rounding up), flatten, dense layers, a linear output.
 *
 * ```
 * [h, w, c] -> conv(filters[0], k, stride 2) act -> ... -> flatten -> dense(hidden) act -> dense(outputDim)
 * ```
 *
 * PyTorch padding `(k - 1) / 2` and PyTorch's initializers, so it is layer for layer
 * `nn.Conv2d(..., stride=2, padding=k // 2)`. A {@link Sequential}: save, load and export as any stack.
 * @example
 * ```ts
 * const encoder = convEncoder({ inputShape: [28, 28, 1], outputDim: 2 * 16 }); // [n, 28, 28, 1] -> [n, 32]
 * encoder.dispose();
 * ```
 */
export function convEncoder(options: ConvEncoderOptions): Sequential {
  const caller = 'convEncoder';
  const { filters, kernelSize, hidden, activation, seed } = checkCommon(options, ENCODER_OPTIONS, [32, 64], [256], caller);
  const [height, width, channels] = checkImageShape(options.inputShape, 'inputShape', caller);
  const outputDim = checkPositive(options.outputDim, 'outputDim', caller);
  const layers: Layer[] = [];
  return build(layers, () => {
    let [h, w, c] = [height, width, channels];
    for (const f of filters) {
      layers.push(
        new Conv2d({
          inChannels: c,
          outChannels: f,
          kernelSize,
          stride: 2,
          padding: (kernelSize - 1) / 2,
          activation,
          seed: foldIn(seed, layers.length),
        }),
      );
      [h, w, c] = [Math.ceil(h / 2), Math.ceil(w / 2), f];
    }
    layers.push(new Flatten());
    const widths = [h * w * c, ...hidden, outputDim];
    for (let i = 0; i + 1 < widths.length; i++) {
      const last = i + 2 === widths.length;
      layers.push(
        new Linear({
          inputDim: widths[i]!,
          outputDim: widths[i + 1]!,
          activation: last ? 'linear' : activation,
          seed: foldIn(seed, layers.length),
        }),
      );
    }
    return new Sequential(layers, { inputShape: [height, width, channels] });
  });
}

/**
 * A convolutional decoder mirroring {@link convEncoder}: dense layers, a reshape
 * to a small image, stride-2 transposed convolutions (each doubles the size,
 * with the output padding that lands exactly on the encoder's sizes), and a
 * last stride-1 transposed convolution to the image's channels, without activation
 * (logits for a Bernoulli likelihood, means for a Gaussian one).
 *
 * ```
 * [d] -> dense(hidden) act -> dense(h0 w0 filters[0]) act -> reshape [h0, w0, filters[0]]
 *     -> convT(filters[i], k, stride 2) act ... -> convT(c, k, stride 1) -> [h, w, c]
 *   h0 = h halved (rounding up) once per filter
 * ```
 * @example
 * ```ts
 * const decoder = convDecoder({ inputDim: 16, outputShape: [28, 28, 1] }); // [n, 16] -> [n, 28, 28, 1]
 * decoder.dispose();
 * ```
 */
export function convDecoder(options: ConvDecoderOptions): Sequential {
  const caller = 'convDecoder';
  const { filters, kernelSize, hidden, activation, seed } = checkCommon(options, DECODER_OPTIONS, [64, 32], [], caller);
  const [height, width, channels] = checkImageShape(options.outputShape, 'outputShape', caller);
  const inputDim = checkPositive(options.inputDim, 'inputDim', caller);
  // the encoder's sizes, image side last: sizes[i] = ceil(sizes[i + 1] / 2)
  const heights = [height];
  const widths = [width];
  for (let i = 0; i < filters.length; i++) {
    heights.unshift(Math.ceil(heights[0]! / 2));
    widths.unshift(Math.ceil(widths[0]! / 2));
  }
  const padding = (kernelSize - 1) / 2;
  const layers: Layer[] = [];
  return build(layers, () => {
    const dense = [inputDim, ...hidden, heights[0]! * widths[0]! * filters[0]!];
    for (let i = 0; i + 1 < dense.length; i++) {
      layers.push(new Linear({ inputDim: dense[i]!, outputDim: dense[i + 1]!, activation, seed: foldIn(seed, layers.length) }));
    }
    layers.push(new Reshape([heights[0]!, widths[0]!, filters[0]!]));
    let c = filters[0]!;
    filters.forEach((f, i) => {
      // a stride-2 transposed convolution gives 2n - 1 + outputPadding: pick the padding that reaches the next size
      const outputPadding: [number, number] = [heights[i + 1]! - 2 * heights[i]! + 1, widths[i + 1]! - 2 * widths[i]! + 1];
      layers.push(
        new ConvTranspose2d({
          inChannels: c,
          outChannels: f,
          kernelSize,
          stride: 2,
          padding,
          outputPadding,
          activation,
          seed: foldIn(seed, layers.length),
        }),
      );
      c = f;
    });
    layers.push(
      new ConvTranspose2d({ inChannels: c, outChannels: channels, kernelSize, stride: 1, padding, seed: foldIn(seed, layers.length) }),
    );
    return new Sequential(layers, { inputShape: [inputDim] });
  });
}

/** Runs `make`; when it throws, the layers made so far are disposed. */
function build(layers: Layer[], make: () => Sequential): Sequential {
  try {
    return make();
  } catch (error) {
    layers.forEach((l) => l.dispose());
    throw error;
  }
}

function checkCommon(
  options: ConvEncoderOptions | ConvDecoderOptions,
  known: readonly string[],
  defaultFilters: number[],
  defaultHidden: number[],
  caller: string,
) {
  if (options == null || typeof options !== 'object') throw new TypeError(`${caller}: options must be an object, got ${String(options)}`);
  checkKnownKeys(options, known, caller);
  const filters = checkWidths(options.filters ?? defaultFilters, 'filters', caller, 1);
  const hidden = checkWidths(options.hidden ?? defaultHidden, 'hidden', caller, 0);
  const kernelSize = options.kernelSize ?? 3;
  if (!Number.isInteger(kernelSize) || kernelSize < 1 || kernelSize % 2 === 0) {
    throw new Error(
      `${caller}: kernelSize must be an odd positive integer (so padding (k - 1) / 2 keeps the sizes), got ${String(kernelSize)}`,
    );
  }
  const activation = checkActivation(options.activation ?? 'relu', 'activation', caller);
  const seed = options.seed ?? 0;
  if (typeof seed !== 'number' || !Number.isFinite(seed)) throw new Error(`${caller}: seed must be a finite number, got ${String(seed)}`);
  return { filters, kernelSize, hidden, activation, seed };
}

function checkWidths(value: unknown, name: string, caller: string, min: number): number[] {
  if (!Array.isArray(value) || value.length < min || value.some((v) => !Number.isInteger(v) || v < 1)) {
    throw new Error(
      `${caller}: ${name} must list ${min > 0 ? 'at least one ' : ''}positive integer(s), got ${JSON.stringify(value) ?? String(value)}`,
    );
  }
  return [...(value as number[])];
}

function checkImageShape(value: unknown, name: string, caller: string): [number, number, number] {
  if (!Array.isArray(value) || value.length !== 3 || value.some((v) => !Number.isInteger(v) || v < 1)) {
    throw new Error(
      `${caller}: ${name} must be an image shape [height, width, channels] of positive integers, got ${JSON.stringify(value) ?? String(value)}`,
    );
  }
  return value as [number, number, number];
}

function checkPositive(value: unknown, name: string, caller: string): number {
  if (!Number.isInteger(value) || (value as number) < 1)
    throw new Error(`${caller}: ${name} must be a positive integer, got ${String(value)}`);
  return value as number;
}
