import * as tf from '@tensorflow/tfjs-core';
import { installWasmKernel, NO_MODULES, type WasmBackendInternals } from './install-wasm-kernel';

/**
 * The wasm backend's `Identity` copies its input into a new buffer; the cpu
 * and webgl backends share the buffer and count a reference, as wasm's own
 * `Reshape` does. Tensors are immutable, so sharing is safe, and it matters
 * for training: tfjs clones (runs `Identity` on) every tensor a gradient
 * needs while recording, so on wasm each step copied every saved input, the
 * weights included (about 65 copies per VAE step). This replaces wasm's
 * `Identity` with the sharing one (strings still take the original path).
 */
export function installWasmSharedIdentity(): void {
  installWasmKernel(tf.Identity, NO_MODULES, (args, _, original) => {
    const x = (args.inputs as { x: tf.TensorInfo }).x;
    if (x.dtype === 'string') return original(args);
    (args.backend as WasmBackendInternals).incRef(x.dataId);
    return { dataId: x.dataId, shape: x.shape, dtype: x.dtype };
  });
}
