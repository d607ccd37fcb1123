import * as tf from '@tensorflow/tfjs-core';
import { ACTIVATIONS } from './affine';
import type { Activation } from './affine';
import { Mlp } from './mlp';
import { ioHandler } from './serialization';

/** tfjs-layers / Keras JSON of one Dense layer (the fields this package reads and writes). */
interface DenseJSON {
  class_name: string;
  config: { units: number; activation: string; use_bias: boolean; name: string; batch_input_shape?: (number | null)[]; [k: string]: unknown };
}

/**
 * The TF.js Layers artifacts of an {@link Mlp}: a `Sequential` of `Dense`
 * layers in Keras JSON (kernels [in, out], as `y = x W + b`), which
 * `tf.loadLayersModel` loads and Keras converts with `tensorflowjs_converter`.
 * @param net - the network.
 * @param name - the Sequential model's name. Default `'elbo_mlp'`.
 * @returns artifacts with the weights (copied into one buffer).
 * @example
 * ```ts
 * const artifacts = await toLayersArtifacts(encoder);
 * const keras = await tf.loadLayersModel(tf.io.fromMemory(artifacts)); // @tensorflow/tfjs-layers
 * ```
 */
export async function toLayersArtifacts(net: Mlp, name = 'elbo_mlp'): Promise<tf.io.ModelArtifacts> {
  const { sizes, activation, outputActivation, bias } = net.getConfig();
  const last = net.layers.length - 1;
  const layerName = (i: number): string => `${name}_dense_${i + 1}`;
  const layers: DenseJSON[] = net.layers.map((l, i) => ({
    class_name: 'Dense',
    config: {
      units: l.outputDim,
      activation: i === last ? outputActivation : activation,
      use_bias: bias,
      kernel_initializer: { class_name: 'GlorotUniform', config: { seed: null } },
      bias_initializer: { class_name: 'Zeros', config: {} },
      kernel_regularizer: null,
      bias_regularizer: null,
      activity_regularizer: null,
      kernel_constraint: null,
      bias_constraint: null,
      name: layerName(i),
      trainable: true,
      ...(i === 0 ? { batch_input_shape: [null, sizes[0]!] } : {}),
      dtype: 'float32',
    },
  }));
  const named: tf.NamedTensorMap = {};
  net.layers.forEach((l, i) => {
    named[`${layerName(i)}/kernel`] = l.kernel;
    if (l.bias != null) named[`${layerName(i)}/bias`] = l.bias;
  });
  const { data, specs } = await tf.io.encodeWeights(named);
  return {
    modelTopology: { class_name: 'Sequential', config: { name, layers }, keras_version: 'tfjs-layers 4.22.0', backend: 'tensor_flow.js' },
    format: 'layers-model',
    generatedBy: 'TensorFlow.js tfjs-layers v4.22.0 (written by @elbo/autoencoder)',
    convertedBy: null,
    weightSpecs: specs,
    weightData: data,
  };
}

/**
 * Saves an {@link Mlp} as a TF.js Layers model (see {@link toLayersArtifacts}).
 * @param net - the network to export.
 * @param url - any tfjs URL (`file://` in Node with @elbo/backend-node, `indexeddb://`, `downloads://`, ...) or an IO handler.
 * @param name - the Sequential model's name (default `'elbo_mlp'`).
 * @returns tfjs' save result.
 * @example
 * ```ts
 * await exportLayersModel(encoder, 'file:///tmp/encoder');
 * const keras = await tf.loadLayersModel('file:///tmp/encoder/model.json'); // @tensorflow/tfjs-layers
 * ```
 */
export async function exportLayersModel(net: Mlp, url: string | tf.io.IOHandler, name?: string): Promise<tf.io.SaveResult> {
  if (!(net instanceof Mlp)) throw new TypeError('exportLayersModel: net must be an Mlp (made by mlp())');
  const handler = ioHandler(url, 'save', 'exportLayersModel');
  if (handler.save == null) throw new Error('exportLayersModel: the IO handler cannot save');
  return handler.save(await toLayersArtifacts(net, name));
}

/**
 * Loads a TF.js Layers model that is a `Sequential` of `Dense` layers (one
 * hidden activation, any output activation) as an {@link Mlp} with its weights:
 * the way back from TensorFlow/Keras. Anything else throws, naming the layer.
 * @param url - a tfjs URL or IO handler of a Layers model (`model.json` + weights).
 * @returns a new Mlp (the caller disposes it).
 * @example
 * ```ts
 * const encoder = await importLayersModel('file:///models/encoder-from-keras');
 * ```
 */
export async function importLayersModel(url: string | tf.io.IOHandler): Promise<Mlp> {
  const where = `importLayersModel(${typeof url === 'string' ? url : 'handler'})`;
  const handler = ioHandler(url, 'load', where);
  if (handler.load == null) throw new Error(`${where}: the IO handler cannot load`);
  const artifacts = await handler.load();
  const topology = artifacts.modelTopology as { class_name?: string; config?: { layers?: DenseJSON[] } | DenseJSON[]; model_config?: unknown } | undefined;
  const model = (topology as { model_config?: typeof topology })?.model_config ?? topology;
  const rawLayers = Array.isArray(model?.config) ? model.config : model?.config?.layers;
  if (model?.class_name !== 'Sequential' || !Array.isArray(rawLayers)) {
    throw new Error(`${where}: expected a Sequential model of Dense layers, got ${String(model?.class_name ?? typeof topology)}`);
  }
  const layers = rawLayers.filter((l) => l.class_name !== 'InputLayer');
  layers.forEach((l, i) => {
    if (l.class_name !== 'Dense') throw new Error(`${where}: layer ${i} is a ${l.class_name}; only Dense layers can become an Mlp`);
  });
  if (layers.length === 0) throw new Error(`${where}: the model has no Dense layers`);
  const inputShape = layers[0]!.config.batch_input_shape ?? (rawLayers[0]?.config as { batch_input_shape?: (number | null)[] }).batch_input_shape;
  const inputDim = inputShape?.[inputShape.length - 1];
  if (inputDim == null) throw new Error(`${where}: the first layer has no batch_input_shape, so the input width is unknown`);
  const acts = layers.map((l) => l.config.activation as Activation);
  const bad = acts.findIndex((a) => !ACTIVATIONS.includes(a));
  if (bad >= 0) throw new Error(`${where}: layer ${bad} has activation "${acts[bad]}"; supported: ${ACTIVATIONS.join(', ')}`);
  const hidden = acts.slice(0, -1);
  if (hidden.some((a) => a !== hidden[0])) throw new Error(`${where}: the hidden layers must share one activation, got ${hidden.join(', ')}`);
  const biases = new Set(layers.map((l) => l.config.use_bias !== false));
  if (biases.size > 1) throw new Error(`${where}: either every layer or no layer may have a bias`);
  const sizes = [inputDim, ...layers.map((l) => l.config.units)];
  const specs = artifacts.weightSpecs ?? [];
  const buffers = artifacts.weightData == null ? [] : Array.isArray(artifacts.weightData) ? artifacts.weightData : [artifacts.weightData];
  const data = tf.io.concatenateArrayBuffers(buffers);
  const expected = specs.reduce((sum, s) => sum + 4 * s.shape.reduce((a, b) => a * b, 1), 0);
  if (specs.some((s) => s.dtype !== 'float32' || s.quantization != null) || data.byteLength !== expected) {
    throw new Error(`${where}: the weights hold ${data.byteLength} bytes but their float32 specs describe ${expected} (truncated, quantized or mismatched); nothing was loaded`);
  }
  const byName = tf.io.decodeWeights(data, specs);
  const net = new Mlp({ sizes, activation: hidden[0] ?? 'relu', outputActivation: acts[acts.length - 1]!, seed: 0, init: 'zeros', bias: biases.has(true) });
  try {
    const weights: tf.NamedTensorMap = {};
    layers.forEach((l, i) => {
      for (const part of net.getConfig().bias ? ['kernel', 'bias'] : ['kernel']) {
        const t = byName[`${l.config.name}/${part}`];
        if (t == null) throw new Error(`${where}: weight ${l.config.name}/${part} is missing`);
        weights[`layer${i}/${part}`] = t;
      }
    });
    net.setWeights(weights);
    return net;
  } catch (error) {
    net.dispose();
    throw error;
  } finally {
    tf.dispose(Object.values(byName));
  }
}
