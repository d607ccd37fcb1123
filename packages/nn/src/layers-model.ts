import * as tf from '@tensorflow/tfjs-core';
import { ACTIVATIONS } from './activations';
import type { ActivationName } from './activations';
import { ActivationLayer } from './activation-layer';
import { decodeCheckedWeights, ioHandler } from './io-handler';
import { ConvTranspose2d } from './conv-transpose2d';
import { Conv2d } from './conv2d';
import type { Layer } from './layer';
import { KERAS_WEIGHT_SETTINGS, convToKeras, readConv } from './layers-model-conv';
import type { KerasLayerJSON } from './layers-model-conv';
import { Linear } from './linear';
import { Flatten, Reshape } from './reshape';
import { Sequential } from './sequential';

const TFJS_VERSION = '4.22.0';

/** The Keras class each exportable kind becomes (layer names follow it, as tfjs-layers names them: `<model>_dense_1`). */
const KERAS_CLASS: Record<string, string> = { Linear: 'Dense', Activation: 'Activation', Reshape: 'Reshape', Flatten: 'Flatten' };

/**
 * Keras JSON (one layer, or for a conv layer with PyTorch's padding up to three: see layers-model-conv.ts)
 * and named weights of one elbo layer. `name(kerasClass)` names each Keras layer.
 */
function toKerasLayers(
  layer: Layer,
  name: (kerasClass: string) => string,
  first: readonly number[] | null,
): { layers: KerasLayerJSON[]; weights: tf.NamedTensorMap } {
  if (layer instanceof Conv2d || layer instanceof ConvTranspose2d) {
    const { layers, weights } = convToKeras(layer, name, { trainable: true, dtype: 'float32' });
    if (first != null) layers[0]!.config.batch_input_shape = [null, ...first];
    return { layers, weights };
  }
  const { json, weights } = toKeras(layer, name(KERAS_CLASS[layer.kind] ?? layer.kind), first);
  return { layers: [json], weights };
}

/** Keras JSON and named weights of one elbo layer that is one Keras layer. */
function toKeras(layer: Layer, name: string, first: readonly number[] | null): { json: KerasLayerJSON; weights: tf.NamedTensorMap } {
  const input = first == null ? {} : { batch_input_shape: [null, ...first] };
  const common = { name, trainable: true, dtype: 'float32' };
  if (layer instanceof Linear) {
    const weights: tf.NamedTensorMap = { [`${name}/kernel`]: layer.kernel };
    if (layer.bias != null) weights[`${name}/bias`] = layer.bias;
    const config = {
      units: layer.outputDim,
      activation: layer.activation,
      use_bias: layer.bias != null,
      ...KERAS_WEIGHT_SETTINGS,
      ...common,
      ...input,
    };
    return { json: { class_name: 'Dense', config }, weights };
  }
  if (layer instanceof ActivationLayer)
    return { json: { class_name: 'Activation', config: { activation: layer.activation, ...common, ...input } }, weights: {} };
  if (layer instanceof Reshape)
    return { json: { class_name: 'Reshape', config: { target_shape: [...layer.targetShape], ...common, ...input } }, weights: {} };
  if (layer instanceof Flatten)
    return { json: { class_name: 'Flatten', config: { data_format: 'channels_last', ...common, ...input } }, weights: {} };
  throw new Error(
    `a ${layer.kind} layer has no TF.js Layers form here (Linear, Conv2d, ConvTranspose2d, Activation, Reshape and Flatten do)`,
  );
}

/** The layers of a Sequential with nested Sequentials spliced in. */
function flatLayers(net: Sequential): Layer[] {
  return net.layers.flatMap((l) => (l instanceof Sequential ? flatLayers(l) : [l]));
}

/**
 * The TF.js Layers artifacts of a {@link Sequential}: a Keras `Sequential`
 * model (Linear -> `Dense` with its fused activation, kernels [in, out] as
 * `y = x W + b`; activation -> `Activation`; reshape -> `Reshape`; flatten ->
 * `Flatten`; conv2d -> `Conv2D`, convTranspose2d -> `Conv2DTranspose`, with their
 * activation), which `tf.loadLayersModel` loads and Keras converts.
 *
 * Keras convolutions only know `'same'` and `'valid'`, and tfjs-layers ignores
 * `output_padding`, so a PyTorch-padded conv layer is written exactly as layers
 * both read the same way: `ZeroPadding2D(p)` then a `'valid'` `Conv2D`; a
 * `'valid'` `Conv2DTranspose` then `Cropping2D` (p at the top and left, what
 * is left over by the output padding at the bottom and right), preceded by a
 * one-row `ZeroPadding2D` below and right of the input where the output padding
 * exceeds what the cropping leaves (it adds bias-only rows, as PyTorch's do).
 * @param net - the stack (nested Sequentials are spliced in).
 * @param name - the model's name, also the prefix of its layer names. Default `'elbo_sequential'`.
 * @returns artifacts with the weights (copied into one buffer).
 * @example
 * ```ts
 * const artifacts = await toLayersArtifacts(encoder);
 * const keras = await tf.loadLayersModel(tf.io.fromMemory(artifacts)); // @tensorflow/tfjs-layers
 * ```
 */
export async function toLayersArtifacts(net: Sequential, name = 'elbo_sequential'): Promise<tf.io.ModelArtifacts> {
  if (!(net instanceof Sequential))
    throw new TypeError(
      `toLayersArtifacts: net must be a Sequential (made by sequential() or mlp()), got a ${(net as Layer)?.kind ?? typeof net}`,
    );
  if (typeof name !== 'string' || name === '')
    throw new TypeError(`toLayersArtifacts: name must be a non-empty string, got ${String(name)}`);
  const layers: KerasLayerJSON[] = [];
  const named: tf.NamedTensorMap = {};
  flatLayers(net).forEach((layer, i) => {
    try {
      const { layers: json, weights } = toKerasLayers(
        layer,
        (cls) => `${name}_${cls.toLowerCase()}_${i + 1}`,
        i === 0 ? net.inputShape : null,
      );
      layers.push(...json);
      Object.assign(named, weights);
    } catch (error) {
      throw new Error(`toLayersArtifacts: layer ${i}: ${(error as Error).message}`, { cause: error });
    }
  });
  const { data, specs } = await tf.io.encodeWeights(named);
  return {
    modelTopology: {
      class_name: 'Sequential',
      config: { name, layers },
      keras_version: `tfjs-layers ${TFJS_VERSION}`,
      backend: 'tensor_flow.js',
    },
    format: 'layers-model',
    generatedBy: `TensorFlow.js tfjs-layers v${TFJS_VERSION} (written by @elbo/nn)`,
    convertedBy: null,
    weightSpecs: specs,
    weightData: data,
  };
}

/**
 * Saves a {@link Sequential} as a TF.js Layers model (see {@link toLayersArtifacts}).
 * @param net - the stack to export.
 * @param url - any tfjs URL (`file://` in Node with @elbo/backend-node, `indexeddb://`, `downloads://`, ...) or an IO handler.
 * @param name - the model's name (default `'elbo_sequential'`).
 * @returns tfjs' save result.
 * @example
 * ```ts
 * await exportLayersModel(encoder, 'file:///tmp/encoder');
 * const keras = await tf.loadLayersModel('file:///tmp/encoder/model.json'); // @tensorflow/tfjs-layers
 * ```
 */
export async function exportLayersModel(net: Sequential, url: string | tf.io.IOHandler, name?: string): Promise<tf.io.SaveResult> {
  if (!(net instanceof Sequential))
    throw new TypeError(
      `exportLayersModel: net must be a Sequential (made by sequential() or mlp()), got a ${(net as Layer)?.kind ?? typeof net}`,
    );
  const handler = ioHandler(url, 'save', 'exportLayersModel');
  return handler.save!(await toLayersArtifacts(net, name));
}

type Shape = (number | null)[];

/** The input shape a Keras layer declares: `batch_input_shape` (Keras 2, tfjs) or `batch_shape` (Keras 3). */
function declaredInput(l: KerasLayerJSON | undefined): Shape | undefined {
  return (l?.config.batch_input_shape ?? l?.config.batch_shape) as Shape | undefined;
}

/**
 * Loads a TF.js Layers `Sequential` model of `Dense`, `Conv2D`,
 * `Conv2DTranspose`, `Activation`, `Reshape` and `Flatten` layers (any
 * activations of {@link ACTIVATIONS}) as a {@link Sequential} with its
 * weights: the way back from TensorFlow/Keras. Convolutions with `'same'` or
 * `'valid'` padding become {@link Conv2d} / {@link ConvTranspose2d} layers with
 * that padding; the `ZeroPadding2D` / `Cropping2D` layers that
 * {@link toLayersArtifacts} writes around them fold back into PyTorch's
 * `padding` and `outputPadding`. Keras 3 files work too (`batch_shape` instead
 * of `batch_input_shape`, `data_format: 'channels_last'`, `dilation_rate` 1,
 * `groups` 1, `output_padding` on a `'valid'` Conv2DTranspose; weights
 * matched by manifest order when their names differ from the layer names).
 * Anything else throws, naming the layer, and loads nothing.
 * @param url - a tfjs URL or IO handler of a Layers model (`model.json` + weights).
 * @returns a new Sequential (the caller disposes it).
 * @example
 * ```ts
 * const encoder = await importLayersModel('file:///models/encoder-from-keras');
 * ```
 */
export async function importLayersModel(url: string | tf.io.IOHandler): Promise<Sequential> {
  const caller = `importLayersModel(${typeof url === 'string' ? url : 'handler'})`;
  const handler = ioHandler(url, 'load', caller);
  const artifacts = await handler.load!();
  const topology = artifacts.modelTopology as { class_name?: string; config?: unknown; model_config?: unknown } | undefined;
  const model = (topology?.model_config ?? topology) as
    { class_name?: string; config?: { layers?: KerasLayerJSON[] } | KerasLayerJSON[] } | undefined;
  const raw = Array.isArray(model?.config) ? model.config : model?.config?.layers;
  if (model?.class_name !== 'Sequential' || !Array.isArray(raw)) {
    throw new Error(`${caller}: expected a Sequential model, got ${String(model?.class_name ?? typeof topology)}`);
  }
  const kerasLayers = raw.filter((l) => l.class_name !== 'InputLayer');
  if (kerasLayers.length === 0) throw new Error(`${caller}: the model has no layers`);
  const declared = declaredInput(kerasLayers[0]) ?? declaredInput(raw[0]);
  if (declared == null)
    throw new Error(`${caller}: the first layer declares no batch_input_shape (or batch_shape), so the input shape is unknown`);
  const inputShape = declared.slice(1);
  if (inputShape.some((d) => d == null))
    throw new Error(`${caller}: the input shape [${declared.join(', ')}] has unknown sizes past the batch axis`);
  // What each layer needs, checked before any weight is decoded.
  const plans = planLayers(kerasLayers, inputShape as number[], caller);
  const byName = decodeCheckedWeights(artifacts, caller);
  const made: Layer[] = [];
  try {
    const order = artifacts.weightSpecs ?? [];
    const wanted = plans.flatMap((p) => p.weights);
    const byOrder = !wanted.every((w) => byName[w.name] != null);
    if (byOrder && (order.length !== wanted.length || order.some((s, i) => !tf.util.arraysEqual(s.shape, wanted[i]!.shape)))) {
      const missing = wanted.filter((w) => byName[w.name] == null).map((w) => w.name);
      throw new Error(
        `weight(s) ${missing.join(', ')} are missing, and the file's ${order.length} weights [${order.map((s) => `${s.name} [${s.shape.join(', ')}]`).join(', ')}] do not match the layers' ${wanted.length} in order; nothing was loaded`,
      );
    }
    const tensorFor = (name: string): tf.Tensor =>
      byOrder ? byName[order[wanted.findIndex((w) => w.name === name)]!.name]! : byName[name]!;
    for (const plan of plans) {
      const layer = plan.make();
      made.push(layer);
      if (plan.weights.length > 0) {
        layer.setWeights(Object.fromEntries(plan.weights.map((w) => [w.name.slice(w.name.lastIndexOf('/') + 1), tensorFor(w.name)])));
      }
    }
    made.length = 0;
    return new Sequential(
      plans.map((p) => p.layer!),
      { inputShape: inputShape as number[] },
    );
  } catch (error) {
    made.forEach((l) => l.dispose());
    throw new Error(`${caller}: ${(error as Error).message}`, { cause: error });
  } finally {
    tf.dispose(Object.values(byName));
  }
}

interface Plan {
  weights: { name: string; shape: number[] }[];
  make(): Layer;
  layer?: Layer;
}

/** The Keras classes {@link readConv} reads as one conv layer (ZeroPadding2D only right before a convolution). */
const CONV_CLASSES = new Set(['ZeroPadding2D', 'Conv2D', 'Conv2DTranspose']);

function planLayers(layers: KerasLayerJSON[], inputShape: number[], caller: string): Plan[] {
  let shape = inputShape;
  const failAt = (i: number, why: string): never => {
    throw new Error(`${caller}: layer ${i} (${layers[i]!.class_name} "${String(layers[i]!.config.name)}") ${why}`);
  };
  const plans: Plan[] = [];
  for (let i = 0; i < layers.length;) {
    if (CONV_CLASSES.has(layers[i]!.class_name)) {
      const reading = readConv(layers, i, shape, failAt);
      const plan: Plan = { weights: reading.weights, make: () => (plan.layer = reading.make()) };
      plans.push(plan);
      shape = reading.outputShape;
      i += reading.count;
      continue;
    }
    const planned = planLayer(layers[i]!, shape, (why) => failAt(i, why));
    plans.push(planned.plan);
    shape = planned.shape;
    i++;
  }
  return plans;
}

/** The plan of one Keras layer that is one elbo layer (not a convolution), and the item shape after it. */
function planLayer(l: KerasLayerJSON, inputShape: number[], fail: (why: string) => never): { plan: Plan; shape: number[] } {
  let shape = inputShape;
  const c = l.config;
  const act = (c.activation ?? 'linear') as ActivationName;
  let plan: Plan;
  if (l.class_name === 'Dense' || l.class_name === 'Activation') {
    if (!ACTIVATIONS.includes(act)) fail(`has activation "${String(c.activation)}"; supported: ${ACTIVATIONS.join(', ')}`);
  }
  if (l.class_name === 'Dense') {
    if (shape.length !== 1) fail(`takes vectors but gets items of shape [${shape.join(', ')}] (add a Flatten layer)`);
    const units = c.units as number;
    if (!Number.isInteger(units) || units < 1) fail(`has units ${String(units)}`);
    const bias = c.use_bias !== false;
    const inputDim = shape[0]!;
    const weights = [{ name: `${c.name}/kernel`, shape: [inputDim, units] }, ...(bias ? [{ name: `${c.name}/bias`, shape: [units] }] : [])];
    plan = {
      weights,
      make: () =>
        (plan.layer = new Linear({ inputDim, outputDim: units, bias, init: 'zeros', activation: act, name: String(c.name ?? 'dense') })),
    };
    shape = [units];
  } else if (l.class_name === 'Activation') {
    plan = { weights: [], make: () => (plan.layer = new ActivationLayer(act)) };
  } else if (l.class_name === 'Reshape') {
    const target = c.target_shape as number[];
    let probe: Reshape | null = null;
    try {
      probe = new Reshape(target);
      shape = probe.outputShape(shape);
    } catch (error) {
      fail((error as Error).message);
    }
    plan = { weights: [], make: () => (plan.layer = probe!) };
  } else if (l.class_name === 'Flatten') {
    shape = [shape.reduce((a, b) => a * b, 1)];
    plan = { weights: [], make: () => (plan.layer = new Flatten()) };
  } else {
    return fail(
      'is not supported; a Sequential of Dense, Conv2D, Conv2DTranspose, Activation, Reshape and Flatten layers (with the ZeroPadding2D / Cropping2D layers exportLayersModel writes around convolutions) can be imported',
    );
  }
  return { plan: plan!, shape };
}
