import * as tf from '@tensorflow/tfjs-core';

/**
 * A URL (`file://`, `indexeddb://`, `localstorage://`, `downloads://`, `http(s)://`) or a handler as an IO handler.
 * @example
 * ```ts
 * const handler = ioHandler('indexeddb://vae', 'save', 'VAE.save');
 * ```
 */
export function ioHandler(destination: string | tf.io.IOHandler, purpose: 'save' | 'load', caller: string): tf.io.IOHandler {
  if (typeof destination !== 'string') {
    if (destination == null || typeof destination !== 'object')
      throw new TypeError(`${caller}: url must be a string or a tf.io.IOHandler, got ${typeof destination}`);
    return destination;
  }
  const handlers = purpose === 'save' ? tf.io.getSaveHandlers(destination) : tf.io.getLoadHandlers(destination);
  if (handlers.length === 0) {
    throw new Error(
      `${caller}: no tfjs IO handler for "${destination}" (in Node, file:// works after selectBackend() from @elbo/backend-node; in browsers indexeddb://, localstorage://, downloads://)`,
    );
  }
  const handler = handlers[0]!;
  if (purpose === 'save' && handler.save == null) throw new Error(`${caller}: the IO handler for ${destination} cannot save`);
  if (purpose === 'load' && handler.load == null) throw new Error(`${caller}: the IO handler for ${destination} cannot load`);
  return handler;
}

/** Bytes per element of the weight dtypes read back. */
const DTYPE_BYTES: Record<string, number> = { float32: 4, int32: 4, bool: 1 };

/**
 * The weights of loaded artifacts, after checking that every spec has a known,
 * unquantized dtype and that the data is exactly as long as the specs say:
 * a truncated or mismatched file throws before any tensor is made.
 */
export function decodeCheckedWeights(artifacts: tf.io.ModelArtifacts, caller: string): tf.NamedTensorMap {
  const specs = artifacts.weightSpecs ?? [];
  const buffers = artifacts.weightData == null ? [] : Array.isArray(artifacts.weightData) ? artifacts.weightData : [artifacts.weightData];
  const data = tf.io.concatenateArrayBuffers(buffers);
  let expected = 0;
  for (const spec of specs) {
    const bytes = DTYPE_BYTES[spec.dtype];
    if (bytes == null || spec.quantization != null)
      throw new Error(`${caller}: weight ${spec.name} has unsupported dtype ${spec.quantization?.dtype ?? spec.dtype}; nothing was loaded`);
    expected += bytes * spec.shape.reduce((a, b) => a * b, 1);
  }
  if (data.byteLength !== expected) {
    throw new Error(
      `${caller}: the weights hold ${data.byteLength} bytes but their specs describe ${expected} (truncated or mismatched weights file); nothing was loaded`,
    );
  }
  return tf.io.decodeWeights(data, specs);
}
