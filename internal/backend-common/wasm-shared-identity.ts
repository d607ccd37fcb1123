import * as tf from '@tensorflow/tfjs-core';

/**
 * The wasm backend's `Identity` copies its input into a new buffer; the cpu
 * and webgl backends share the buffer and count a reference, as wasm's own
 * `Reshape` does. Tensors are immutable, so sharing is safe, and it matters
 * for training: tfjs clones (runs `Identity` on) every tensor a gradient
 * needs while recording, so on wasm each step copied every saved input, the
 * weights included (about 65 copies per VAE step). This replaces wasm's
 * `Identity` with the sharing one (strings still take the original path).
 */
let installed = false;

export function installWasmSharedIdentity(): void {
  if (installed) return;
  const original = tf.getKernel(tf.Identity, 'wasm');
  if (original == null) throw new Error('the wasm backend has no Identity kernel registered: import @tensorflow/tfjs-backend-wasm first');
  tf.unregisterKernel(tf.Identity, 'wasm');
  tf.registerKernel({
    kernelName: tf.Identity,
    backendName: 'wasm',
    kernelFunc: (args) => {
      const x = (args.inputs as { x: tf.TensorInfo }).x;
      if (x.dtype === 'string') return original.kernelFunc(args);
      (args.backend as unknown as { incRef(dataId: tf.DataId): void }).incRef(x.dataId);
      return { dataId: x.dataId, shape: x.shape, dtype: x.dtype };
    },
  });
  installed = true;
}
