import * as tf from '@tensorflow/tfjs-core';

/**
 * Shared by @elbo/backend-node and @elbo/backend-web (see README.md here).
 *
 * The wasm backend's BatchMatMul takes a slow path when `transposeA` or
 * `transposeB` is set (about 13x slower than a plain matMul of the same size
 * on these machines), and tfjs-core's default matMul gradient uses exactly
 * those flags. This gradient transposes explicitly and then multiplies, which
 * is the same arithmetic. It applies to rank-2 operands on the wasm backend;
 * everything else is delegated to the default gradient, unchanged.
 */
let installed = false;

export function installWasmMatMulGradient(): void {
  if (installed) return;
  const original = tf.getGradient(tf.BatchMatMul);
  if (original == null) {
    throw new Error('the default BatchMatMul gradient is not registered: gradients must be registered first');
  }
  tf.registerGradient({
    kernelName: tf.BatchMatMul,
    inputsToSave: ['a', 'b'],
    gradFunc: (dy, saved, attrs) => {
      const [a, b] = saved as [tf.Tensor, tf.Tensor];
      if (tf.getBackend() !== 'wasm' || a.rank !== 2 || b.rank !== 2) {
        return original.gradFunc(dy, saved, attrs);
      }
      const { transposeA, transposeB } = attrs as unknown as { transposeA: boolean; transposeB: boolean };
      const g = dy as tf.Tensor2D;
      const A = a as tf.Tensor2D;
      const B = b as tf.Tensor2D;
      const t = tf.transpose;
      // C = op(A) op(B); dC/dA and dC/dB for each combination of flags.
      // g B^T as (B g^T)^T when B is the larger: transposing the smaller operand is cheaper, and a freshly
      // transposed weight matrix would also have to be repacked by XNNPACK before the product.
      const gTimesBT = (): tf.Tensor => (B.size > g.size ? t(tf.matMul(B, t(g))) : tf.matMul(g, t(B)));
      if (!transposeA && !transposeB) return { a: gTimesBT, b: () => tf.matMul(t(A), g) };
      if (!transposeA && transposeB) return { a: () => tf.matMul(g, B), b: () => tf.matMul(t(g), A) };
      if (transposeA && !transposeB) return { a: () => tf.matMul(B, t(g)), b: () => tf.matMul(A, g) };
      return { a: () => tf.matMul(t(B), t(g)), b: () => tf.matMul(t(g), t(A)) };
    },
  });
  installed = true;
}
