import type { Layer, LayerConfig } from './layer';

/**
 * How {@link layerFromConfig} builds a registered kind.
 * @example
 * ```ts
 * const kind: LayerKind = { fromConfig: (config) => activation(config.activation as ActivationName) };
 * ```
 */
export interface LayerKind {
  /** Builds a layer (fresh weights) from its {@link Layer.getConfig} result; checks the config. */
  fromConfig(config: LayerConfig): Layer;
}

// On globalThis under a Symbol.for key, as tfjs keeps its engine: two loaded copies of this package share one registry.
const KEY = Symbol.for('elbo.nn.layers');

function registry(): Map<string, LayerKind> {
  const g = globalThis as unknown as Record<symbol, Map<string, LayerKind> | undefined>;
  return (g[KEY] ??= new Map());
}

/**
 * Registers a layer kind, so {@link layerFromConfig} (and through it model
 * records and TF.js Layers import) can build it. Registering a kind again
 * replaces the entry (a second loaded copy of a package registers the same kinds).
 * @param kind - the name `getConfig().kind` carries, e.g. `'Conv2d'`.
 * @param entry - `{ fromConfig }`.
 * @example
 * ```ts
 * registerLayer('Dropout', { fromConfig: (c) => new Dropout(c.rate as number) });
 * ```
 */
export function registerLayer(kind: string, entry: LayerKind): void {
  if (typeof kind !== 'string' || kind === '') throw new TypeError(`registerLayer: kind must be a non-empty string, got ${String(kind)}`);
  if (entry == null || typeof entry.fromConfig !== 'function')
    throw new TypeError(`registerLayer: entry must be { fromConfig(config) } for kind "${kind}"`);
  registry().set(kind, entry);
}

/**
 * The registered kinds, sorted.
 * @example
 * ```ts
 * registeredLayerKinds(); // ['Activation', 'Conv2d', 'ConvTranspose2d', 'Flatten', 'Linear', 'Reshape', 'Sequential']
 * ```
 */
export function registeredLayerKinds(): string[] {
  return [...registry().keys()].sort();
}

/**
 * Builds a layer (fresh weights) from a config of any registered kind.
 * @param config - `{ kind, ... }` as {@link Layer.getConfig} gives.
 * @throws for a config that is not an object with a string `kind`, and for an unknown kind, listing the known ones.
 * @example
 * ```ts
 * const twin = layerFromConfig(net.getConfig());
 * twin.setWeights(net.getWeights());
 * ```
 */
export function layerFromConfig(config: LayerConfig): Layer {
  if (config == null || typeof config !== 'object' || typeof (config as { kind?: unknown }).kind !== 'string') {
    throw new TypeError(`layerFromConfig: config must be an object with a string kind, got ${JSON.stringify(config) ?? String(config)}`);
  }
  const entry = registry().get(config.kind);
  if (entry == null) {
    throw new Error(
      `layerFromConfig: unknown layer kind "${config.kind}"; known kinds: ${registeredLayerKinds().join(', ')} (register others with registerLayer)`,
    );
  }
  return entry.fromConfig(config);
}
