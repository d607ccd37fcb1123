import * as tf from '@tensorflow/tfjs-core';
import { checkKnownKeys } from '@elbo/prob';
import { decodeCheckedWeights, ioHandler } from './io-handler';
import { Layer } from './layer';
import type { LayerConfig } from './layer';
import { isMlpConfig, mlpConfigToSequential } from './mlp';
import { layerFromConfig } from './registry';

/**
 * The record version this package writes. 1: the records of @elbo/autoencoder and
 * @elbo/vae before @elbo/nn (no `formatVersion`; parts stored as MLP configs
 * `{ sizes, activation, ... }` directly under their names). 2: parts stored as layer
 * configs under `config.parts`.
 * @example
 * ```ts
 * RECORD_FORMAT_VERSION; // 2
 * ```
 */
export const RECORD_FORMAT_VERSION = 2;

/**
 * A model as stored: a format name, its version, a JSON config and named weights.
 * @example
 * ```ts
 * const record: ModelRecord = { format: 'elbo/my-model', formatVersion: 2, config: { a: 1 }, weights: {} };
 * ```
 */
export interface ModelRecord<C = unknown> {
  /** The model kind, e.g. `'elbo/vae'`. */
  format: string;
  /** {@link RECORD_FORMAT_VERSION} when written by this package; 1 for older records. */
  formatVersion: number;
  /** Everything needed to rebuild the model (plain JSON). */
  config: C;
  /** The weights by name. */
  weights: tf.NamedTensorMap;
}

/**
 * Saves a config and named weights through a tfjs IO handler as a record of
 * `format` (checked again on load), at {@link RECORD_FORMAT_VERSION}.
 * @param url - a tfjs URL (`file://`, `indexeddb://`, `localstorage://`, `downloads://`) or an IO handler.
 * @param format - the model kind, e.g. `'elbo/autoencoder'`.
 * @param record - JSON config and named weights (not disposed).
 * @returns tfjs' save result.
 * @example
 * ```ts
 * await saveModelRecord('file:///tmp/m', 'elbo/my-model', { config: { a: 1 }, weights: { w } });
 * ```
 */
export async function saveModelRecord(
  url: string | tf.io.IOHandler,
  format: string,
  record: { config: unknown; weights: tf.NamedTensorMap },
): Promise<tf.io.SaveResult> {
  const caller = `save (${format})`;
  if (typeof format !== 'string' || format === '')
    throw new TypeError(`saveModelRecord: format must be a non-empty string, got ${String(format)}`);
  const handler = ioHandler(url, 'save', caller);
  const { data, specs } = await tf.io.encodeWeights(record.weights);
  return handler.save!({
    modelTopology: { format, formatVersion: RECORD_FORMAT_VERSION, config: record.config } as unknown as {},
    format,
    generatedBy: `${format} (elbo)`,
    convertedBy: null,
    weightSpecs: specs,
    weightData: data,
  });
}

/**
 * Loads what {@link saveModelRecord} saved (and records written before it had a version).
 * Checks the format, the version, every weight's dtype and that the weight data is exactly
 * as long as the specs say before making any tensor: a truncated or mismatched file throws
 * and leaves nothing behind.
 * @param url - a tfjs URL or IO handler.
 * @param format - the format name given to {@link saveModelRecord}.
 * @returns the record (the caller owns and disposes the weight tensors).
 * @example
 * ```ts
 * const { config, weights } = await loadModelRecord<MyConfig>('file:///tmp/m', 'elbo/my-model');
 * ```
 */
export async function loadModelRecord<C = unknown>(url: string | tf.io.IOHandler, format: string): Promise<ModelRecord<C>> {
  const caller = `load (${format}) from ${typeof url === 'string' ? url : 'an IO handler'}`;
  const handler = ioHandler(url, 'load', caller);
  const artifacts = await handler.load!();
  const topology = artifacts.modelTopology as { format?: string; formatVersion?: unknown; config?: C } | undefined;
  if (artifacts.format !== format || topology?.format !== format || topology.config == null) {
    throw new Error(
      `${caller}: expected a model of format "${format}", got "${String(artifacts.format ?? topology?.format ?? artifacts.modelTopology)}"`,
    );
  }
  const formatVersion = topology.formatVersion ?? 1;
  if (!Number.isInteger(formatVersion) || (formatVersion as number) < 1 || (formatVersion as number) > RECORD_FORMAT_VERSION) {
    throw new Error(
      `${caller}: the record has formatVersion ${JSON.stringify(formatVersion)}, but this @elbo/nn reads versions 1 to ${RECORD_FORMAT_VERSION}: ` +
        `it was written by a newer elbo; upgrade @elbo/nn (and the model package) to load it. Nothing was loaded`,
    );
  }
  return { format, formatVersion: formatVersion as number, config: topology.config, weights: decodeCheckedWeights(artifacts, caller) };
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
  return Object.fromEntries(
    Object.entries(weights)
      .filter(([k]) => k.startsWith(start))
      .map(([k, v]) => [k.slice(start.length), v]),
  );
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
 * What {@link saveLayers} stores: named layers (the parts), any other JSON config and any other weights.
 * @example
 * ```ts
 * const contents: LayersRecord = { parts: { encoder, decoder }, config: { likelihood: 'bernoulli' } };
 * ```
 */
export interface LayersRecord {
  /** The model's layers by part name (`encoder`, `decoder`, ...); their weights are stored as `<part>/<weight>`. */
  parts: Record<string, Layer>;
  /** Other settings (plain JSON, stored beside `parts`; the key `parts` is reserved). */
  config?: Record<string, unknown>;
  /** Other weights (e.g. `likelihood/logSigma`); not disposed. */
  weights?: tf.NamedTensorMap;
}

/**
 * Saves a model made of layers: every part's config (under `config.parts`) and
 * weights (as `<part>/layer0/kernel`, ...), with the model's other settings and weights.
 * One path for any stack of any registered layer kinds.
 * @param url - a tfjs URL or IO handler.
 * @param format - the model kind, e.g. `'elbo/vae'`.
 * @param contents - see {@link LayersRecord}.
 * @example
 * ```ts
 * await saveLayers('file:///tmp/ae', 'elbo/autoencoder', { parts: { encoder, decoder }, config: { likelihood: 'bernoulli', scale: 1 } });
 * ```
 */
export async function saveLayers(url: string | tf.io.IOHandler, format: string, contents: LayersRecord): Promise<tf.io.SaveResult> {
  const caller = 'saveLayers';
  checkKnownKeys(contents, ['parts', 'config', 'weights'], caller);
  const { parts, config = {}, weights = {} } = contents;
  if (parts == null || typeof parts !== 'object')
    throw new TypeError(`${caller}: contents.parts must be an object of layers, got ${String(parts)}`);
  const names = Object.keys(parts);
  const bad = names.find((name) => !(parts[name] instanceof Layer));
  if (bad != null) throw new TypeError(`${caller}: parts.${bad} is not a layer`);
  if ('parts' in config) throw new Error(`${caller}: config.parts is reserved for the layers' configs`);
  const copies = names.map((name) => prefixWeights(parts[name]!.getWeights(), name));
  try {
    const partConfigs = Object.fromEntries(names.map((name) => [name, parts[name]!.getConfig()]));
    return await saveModelRecord(url, format, {
      config: { ...config, parts: partConfigs },
      weights: Object.assign({}, weights, ...copies),
    });
  } finally {
    copies.forEach((c) => tf.dispose(Object.values(c)));
  }
}

/**
 * What {@link loadLayers} hands to its `build` callback.
 * @example
 * ```ts
 * const build = ({ parts, config }: LoadedLayers) => new MyModel(parts.encoder!, parts.decoder!, config.beta as number);
 * ```
 */
export interface LoadedLayers {
  /** The parts, built with their weights (owned by whatever `build` makes; disposed if `build` throws). */
  parts: Record<string, Layer>;
  /** The other settings stored (the record's config without its parts). */
  config: Record<string, unknown>;
  /** The weights that belong to no part (disposed after `build` returns: copy what you keep). */
  weights: tf.NamedTensorMap;
  /** The record's version (1 for records written before @elbo/nn). */
  formatVersion: number;
}

/**
 * Options of {@link loadLayers}.
 * @example
 * ```ts
 * const options: LoadLayersOptions = { format: 'elbo/vae', parts: ['encoder', 'decoder'], caller: 'VAE.load' };
 * ```
 */
export interface LoadLayersOptions {
  /** The model kind the record must have. */
  format: string;
  /** The part names the model needs, e.g. `['encoder', 'decoder']`. */
  parts: readonly string[];
  /** How errors name the loader, e.g. `'VAE.load'`. Default `'loadLayers'`. */
  caller?: string;
}

/**
 * Loads what {@link saveLayers} saved, and records written before it (version 1,
 * whose parts are MLP configs `{ sizes, activation, outputActivation, seed, init, bias }`
 * stored under their names: they become Sequentials of Linear layers, whose weight
 * names `layer<i>/kernel` are the ones stored). Every part is rebuilt through the layer
 * registry with its weights, then handed to `build`. Whatever fails, nothing is left
 * behind, and the error names the caller and says that nothing was loaded.
 * @example
 * ```ts
 * const ae = await loadLayers('file:///tmp/ae', { format: 'elbo/autoencoder', parts: ['encoder', 'decoder'] },
 *   ({ parts, config }) => new Autoencoder({ encoder: parts.encoder!, decoder: parts.decoder!, likelihood: config.likelihood as Likelihood }));
 * ```
 */
export async function loadLayers<M>(
  url: string | tf.io.IOHandler,
  options: LoadLayersOptions,
  build: (loaded: LoadedLayers) => M,
): Promise<M> {
  checkKnownKeys(options, ['format', 'parts', 'caller'], 'loadLayers');
  const { format, parts: names, caller = 'loadLayers' } = options;
  if (!Array.isArray(names) || names.length === 0)
    throw new Error(`${caller}: options.parts must name at least one part, got ${String(names)}`);
  if (typeof build !== 'function') throw new TypeError(`${caller}: build must be a function, got ${typeof build}`);
  const record = await loadModelRecord<Record<string, unknown>>(url, format);
  const made: Layer[] = [];
  try {
    const { parts: stored, ...rest } = record.config;
    const configs: Record<string, LayerConfig> = {};
    const other: Record<string, unknown> = { ...rest };
    for (const name of names) {
      const config = record.formatVersion === 1 ? record.config[name] : (stored as Record<string, unknown> | undefined)?.[name];
      if (config == null) throw new Error(`the record has no part "${name}"`);
      configs[name] = isMlpConfig(config) ? mlpConfigToSequential(config) : (config as LayerConfig);
      if (record.formatVersion === 1) delete other[name];
    }
    const parts: Record<string, Layer> = {};
    for (const name of names) {
      const layer = layerFromConfig(configs[name]!);
      made.push(layer);
      parts[name] = layer;
    }
    for (const name of names) {
      try {
        parts[name]!.setWeights(pickWeights(record.weights, name));
      } catch (error) {
        throw new Error(`part ${name}: ${(error as Error).message}`, { cause: error });
      }
    }
    const weights = Object.fromEntries(Object.entries(record.weights).filter(([k]) => !names.some((name) => k.startsWith(`${name}/`))));
    return build({ parts, config: other, weights, formatVersion: record.formatVersion });
  } catch (error) {
    made.forEach((m) => m.dispose());
    throw new Error(`${caller}: ${(error as Error).message}; nothing was loaded`, { cause: error });
  } finally {
    tf.dispose(Object.values(record.weights));
  }
}
