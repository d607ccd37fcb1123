// The base class of Conv2d and ConvTranspose2d (internal).
import * as tf from '@tensorflow/tfjs-core';
import { assertBackend } from '@elbo/prob';
import { activate } from './activations';
import type { ActivationName } from './activations';
import { geometry, initialConvWeights } from './conv-common';
import type { CheckedConvOptions, Geometry } from './conv-common';
import { Layer, LayerShapeError, uniqueVariablePrefix } from './layer';
import type { LayerConfig, WeightSpec } from './layer';

/**
 * The part of {@link Conv2d} and {@link ConvTranspose2d} that does not depend on the direction:
 * the checked options, the variables `kernel` and `bias`, the config and the weight names.
 */
export abstract class ConvLayer<C extends CheckedConvOptions & LayerConfig> extends Layer {
  /** The filters: `[kh, kw, inChannels, outChannels]` (Conv2d) or `[kh, kw, outChannels, inChannels]` (ConvTranspose2d). */
  readonly kernel: tf.Variable;
  /** The bias, shape `[outChannels]`, or null when the layer has none. */
  readonly bias: tf.Variable | null;
  protected readonly config: C;
  /** The options as pairs `[h, w]`. */
  protected readonly geometry: Geometry;

  /** Makes the variables of a checked config; `fanIn` / `fanOut` are the initializers'. */
  protected constructor(config: C, kernelShape: [number, number, number, number], fanIn: number, fanOut: number) {
    super();
    assertBackend(config.kind); // it makes its variables now: say what is missing rather than tfjs' bare "No backend found"
    this.config = config;
    this.geometry = geometry(config);
    const prefix = uniqueVariablePrefix(config.name);
    const [w, b] = tf.tidy(() => initialConvWeights(kernelShape, config.outChannels, fanIn, fanOut, config.init, config.seed));
    this.kernel = tf.variable(w, true, `${prefix}/kernel`);
    this.bias = config.bias ? tf.variable(b, true, `${prefix}/bias`) : null;
    w.dispose();
    b.dispose();
  }

  /** Channels of the input (the last axis of an `[h, w, c]` item). */
  get inChannels(): number {
    return this.config.inChannels;
  }

  /** Channels of the output. */
  get outChannels(): number {
    return this.config.outChannels;
  }

  /** `[kh, kw]`. */
  get kernelSize(): [number, number] {
    return [...this.geometry.kernel];
  }

  /** `[sh, sw]`. */
  get stride(): [number, number] {
    return [...this.geometry.stride];
  }

  /** `[ph, pw]` zeros on every side (PyTorch's meaning), or `'same'` / `'valid'` (TF's). */
  get padding(): [number, number] | 'same' | 'valid' {
    return this.geometry.pad == null ? (this.geometry.mode as 'same' | 'valid') : [...this.geometry.pad];
  }

  /** The activation applied after the bias (`'linear'`: none). */
  get activation(): ActivationName {
    return this.config.activation;
  }

  /** `[kernel, bias]` (bias only if present). */
  get trainableVariables(): tf.Variable[] {
    return this.bias == null ? [this.kernel] : [this.kernel, this.bias];
  }

  protected override itemRank(): number {
    return 3;
  }

  /** The options, `kind` included: `layerFromConfig(layer.getConfig())` rebuilds an identical layer (same seed, same initial weights). */
  getConfig(): C {
    const copy = <T>(v: T): T => (Array.isArray(v) ? ([...v] as T) : v);
    return {
      ...this.config,
      kernelSize: copy(this.config.kernelSize),
      stride: copy(this.config.stride),
      padding: copy(this.config.padding),
    };
  }

  /** `kernel` and (when present) `bias` `[outChannels]`. */
  weightSpecs(): WeightSpec[] {
    return [{ name: 'kernel', shape: [...this.kernel.shape] }, ...(this.bias == null ? [] : [{ name: 'bias', shape: [this.outChannels] }])];
  }

  /** The output item shape from the spatial output sizes, after the checks every input must pass. */
  protected checkInput(inputShape: readonly number[], outH: number, outW: number): number[] {
    const [h, w] = inputShape;
    const [kh, kw] = this.geometry.kernel;
    const describe = `${this.kind}(${this.inChannels} -> ${this.outChannels}, kernel [${kh}, ${kw}])`;
    if (inputShape.length !== 3 || inputShape[2] !== this.inChannels) {
      throw new LayerShapeError(
        `${describe} takes images [height, width, ${this.inChannels}], got [${inputShape.join(', ')}]${inputShape.length === 1 ? ' (reshape() vectors to images first)' : ''}`,
      );
    }
    if (outH < 1 || outW < 1) {
      throw new LayerShapeError(
        `${describe} with stride [${this.stride.join(', ')}] and padding ${typeof this.padding === 'string' ? `'${this.padding}'` : `[${this.padding.join(', ')}]`} cannot take images of ${h} x ${w}: the output would be ${outH} x ${outW}`,
      );
    }
    return [outH, outW, this.outChannels];
  }

  /** Adds the bias and applies the activation. */
  protected finish(y: tf.Tensor4D): tf.Tensor4D {
    return activate(this.bias == null ? y : tf.add(y, this.bias), this.activation) as tf.Tensor4D;
  }
}
