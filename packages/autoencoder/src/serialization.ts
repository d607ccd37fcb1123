import * as tf from '@tensorflow/tfjs-core';
import { Mlp, type MlpConfig } from './mlp';

/**
 * A model as stored: a JSON config and named weights.
 * @example
 * ```ts
 * const record: ModelRecord = { config: net.getConfig(), weights: net.getWeights() };
 * ```
 */
export interface ModelRecord<C = unknown> {
  /** Everything needed to rebuild the model's architecture (plain JSON). */
  config: C;
  /** The weights by name. */
  weights: tf.NamedTensorMap;
}

/** Bytes per element of the weight dtypes elbo models write. */
const DTYPE_BYTES: Record<string, number> = { float32: 4, int32: 4, bool: 1 };

/** Turns a URL (`file://`, `indexeddb://`, `localstorage://`, `downloads://`, `http(s)://`) or a handler into an IO handler. */
export function ioHandler(destination: string | tf.io.IOHandler, purpose: 'save' | 'load', where: string): tf.io.IOHandler {
  if (typeof destination !== 'string') {
    if (destination == null || typeof destination !== 'object') throw new TypeError(`${where}: url must be a string or a tf.io.IOHandler, got ${typeof destination}`);
    return destination;
  }
  const handlers = purpose === 'save' ? tf.io.getSaveHandlers(destination) : tf.io.getLoadHandlers(destination);
  if (handlers.length === 0) {
    throw new Error(
      `${where}: no tfjs IO handler for "${destination}" (in Node, file:// works after selectBackend() from @elbo/backend-node; in browsers indexeddb://, localstorage://, downloads://)`,
    );
  }
  return handlers[0]!;
}

/**
 * Saves a config and named weights through a tfjs IO handler, as a model
 * artifact of the given `format` (checked again on load).
 * @param url - a tfjs URL (`file://`, `indexeddb://`, `localstorage://`, `downloads://`) or an IO handler.
 * @param format - a name identifying the model kind, e.g. `'elbo/autoencoder'`.
 * @param record - JSON config and named weights (not disposed).
 * @returns tfjs' save result.
 * @example
 * ```ts
 * await saveModelRecord('file:///tmp/m', 'elbo/autoencoder', { config, weights });
 * ```
 */
export async function saveModelRecord(
  url: string | tf.io.IOHandler,
  format: string,
  record: ModelRecord,
): Promise<tf.io.SaveResult> {
  const handler = ioHandler(url, 'save', `save (${format})`);
  if (handler.save == null) throw new Error(`save (${format}): the IO handler for ${String(url)} cannot save`);
  const { data, specs } = await tf.io.encodeWeights(record.weights);
  return handler.save({
    modelTopology: { format, config: record.config } as unknown as {},
    format,
    generatedBy: `${format} (elbo)`,
    convertedBy: null,
    weightSpecs: specs,
    weightData: data,
  });
}

/**
 * Loads what {@link saveModelRecord} saved. Checks the format, that every
 * weight has a known dtype, and that the weight data is exactly as long as
 * the specs say, before making any tensor: a truncated or mismatched file
 * throws and leaves nothing behind.
 * @param url - a tfjs URL or IO handler.
 * @param format - the format name given to {@link saveModelRecord}.
 * @returns the config and the weights (the caller owns and disposes the tensors).
 * @example
 * ```ts
 * const { config, weights } = await loadModelRecord<MyConfig>('file:///tmp/m', 'elbo/my-model');
 * ```
 */
export async function loadModelRecord<C = unknown>(url: string | tf.io.IOHandler, format: string): Promise<ModelRecord<C>> {
  const where = `load (${format}) from ${typeof url === 'string' ? url : 'an IO handler'}`;
  const handler = ioHandler(url, 'load', where);
  if (handler.load == null) throw new Error(`${where}: the IO handler cannot load`);
  const artifacts = await handler.load();
  const topology = artifacts.modelTopology as { format?: string; config?: C } | undefined;
  if (artifacts.format !== format || topology?.format !== format || topology.config == null) {
    throw new Error(`${where}: expected a model of format "${format}", got "${String(artifacts.format ?? topology?.format ?? artifacts.modelTopology)}"`);
  }
  const specs = artifacts.weightSpecs ?? [];
  const buffers = artifacts.weightData == null ? [] : Array.isArray(artifacts.weightData) ? artifacts.weightData : [artifacts.weightData];
  const data = tf.io.concatenateArrayBuffers(buffers);
  let expected = 0;
  for (const spec of specs) {
    const bytes = DTYPE_BYTES[spec.dtype];
    if (bytes == null || spec.quantization != null) throw new Error(`${where}: weight ${spec.name} has unsupported dtype ${spec.quantization?.dtype ?? spec.dtype}`);
    expected += bytes * spec.shape.reduce((a, b) => a * b, 1);
  }
  if (data.byteLength !== expected) {
    throw new Error(`${where}: the weights hold ${data.byteLength} bytes but their specs describe ${expected} (truncated or mismatched weights file); nothing was loaded`);
  }
  return { config: topology.config, weights: tf.io.decodeWeights(data, specs) };
}

/**
 * The weights whose names start with `prefix/`, with the prefix removed (no copies).
 * @example
 * ```ts
 * pickWeights({ 'encoder/layer0/kernel': k }, 'encoder'); // { 'layer0/kernel': k }
 * ```
 */
export function pickWeights(weights: tf.NamedTensorMap, prefix: string): tf.NamedTensorMap {
  const start = `${prefix}/`;
  return Object.fromEntries(Object.entries(weights).filter(([k]) => k.startsWith(start)).map(([k, v]) => [k.slice(start.length), v]));
}

/**
 * The same weights under `prefix/<name>` (no copies).
 * @example
 * ```ts
 * prefixWeights({ 'layer0/kernel': k }, 'encoder'); // { 'encoder/layer0/kernel': k }
 * ```
 */
export function prefixWeights(weights: tf.NamedTensorMap, prefix: string): tf.NamedTensorMap {
  return Object.fromEntries(Object.entries(weights).map(([k, v]) => [`${prefix}/${k}`, v]));
}

/**
 * Loads a model saved as an encoder and a decoder `Mlp` (the autoencoder, the VAE): reads the record,
 * rebuilds both parts with their weights and hands them to `build`. Whatever fails, nothing is left
 * behind: the parts made so far are disposed, and the error says `where` and that nothing was loaded.
 */
export async function loadEncoderDecoder<C extends { encoder: MlpConfig; decoder: MlpConfig }, M>(
  url: string | tf.io.IOHandler,
  format: string,
  where: string,
  build: (parts: { encoder: Mlp; decoder: Mlp }, record: ModelRecord<C>) => M,
): Promise<M> {
  const record = await loadModelRecord<C>(url, format);
  const made: Mlp[] = [];
  try {
    const encoder = new Mlp(record.config.encoder);
    made.push(encoder);
    const decoder = new Mlp(record.config.decoder);
    made.push(decoder);
    encoder.setWeights(pickWeights(record.weights, 'encoder'));
    decoder.setWeights(pickWeights(record.weights, 'decoder'));
    return build({ encoder, decoder }, record);
  } catch (error) {
    made.forEach((m) => m.dispose());
    throw new Error(`${where}: ${(error as Error).message}; nothing was loaded`, { cause: error });
  } finally {
    tf.dispose(Object.values(record.weights));
  }
}
