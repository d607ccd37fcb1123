import * as tf from '@tensorflow/tfjs-core';

/**
 * The element-wise nonlinearities an {@link Mlp} layer can apply.
 * @example
 * ```ts
 * const act: Activation = 'tanh';
 * ```
 */
export type Activation = 'linear' | 'relu' | 'sigmoid' | 'tanh' | 'elu' | 'softplus';

/**
 * The names accepted for {@link Activation}.
 * @example
 * ```ts
 * ACTIVATIONS.includes('relu'); // true
 * ```
 */
export const ACTIVATIONS: readonly Activation[] = ['linear', 'relu', 'sigmoid', 'tanh', 'elu', 'softplus'];

/** Applies an activation by name (inference and training alike). */
export function activate(x: tf.Tensor, activation: Activation): tf.Tensor {
  switch (activation) {
    case 'linear':
      return x;
    case 'relu':
      return tf.relu(x);
    case 'sigmoid':
      return tf.sigmoid(x);
    case 'tanh':
      return tf.tanh(x);
    case 'elu':
      return tf.elu(x);
    case 'softplus':
      return tf.softplus(x);
  }
}

/**
 * Activations applied inside the fused kernel: exactly those tfjs-layers' Dense fuses
 * (`mapActivationToFusedKernel`), so both compute the same floats; for the others
 * Dense adds the bias and applies the activation after the product, and so does {@link affine}.
 */
const FUSED: ReadonlySet<Activation> = new Set<Activation>(['linear', 'relu', 'elu']);

/**
 * `act(x W + b)` for a rank-2 `x`: one fused kernel forward (the same kernel
 * tfjs-layers' Dense runs, so outputs match it bit for bit), with a gradient
 * that transposes explicitly before multiplying.
 *
 * ```
 * y = act(x W + b)        g = dy * act'(x W + b)
 * dx = g W^T              dW = x^T g              db = sum_n g[n, :]
 * ```
 *
 * Why: `tf.fused.matMul` records its own gradient, which multiplies with
 * `transposeA` / `transposeB` set (the wasm backend runs that about 13x
 * slower than a plain product, PLATFORM.md) and computes dx even for the
 * input data. Running the `_FusedMatMul` kernel directly instead makes the
 * engine use the gradient registered here, whose parts are computed only
 * where they are needed (no dx for the data).
 */
export function affine(x: tf.Tensor2D, kernel: tf.Tensor2D, bias: tf.Tensor1D | null, activation: Activation): tf.Tensor2D {
  if (!FUSED.has(activation)) {
    // as Dense does it: the product, then the bias, then the activation
    const product = affine(x, kernel, null, 'linear');
    return activate(bias == null ? product : tf.add(product, bias), activation) as tf.Tensor2D;
  }
  registerFusedMatMulGradient();
  // The kernel works on batches of matrices, as tf.fused.matMul feeds it: [1, m, k] @ [1, k, n].
  const a = tf.reshape(x, [1, ...x.shape]);
  const b = tf.reshape(kernel, [1, ...kernel.shape]);
  const inputs: tf.NamedTensorMap = bias == null ? { a, b } : { a, b, bias };
  const attrs = { transposeA: false, transposeB: false, activation, leakyreluAlpha: 0.2 };
  const y = tf.engine().runKernel(tf._FusedMatMul, inputs, attrs as unknown as tf.NamedAttrMap) as tf.Tensor3D;
  return tf.reshape(y, [x.shape[0], kernel.shape[1]]);
}

let registered = false;

/**
 * Registers the `_FusedMatMul` gradient once, unless one is registered already
 * (tfjs-core registers none: `tf.fused.matMul` carries its own through customGrad).
 */
function registerFusedMatMulGradient(): void {
  if (registered) return;
  registered = true;
  if (tf.getGradient(tf._FusedMatMul) != null) return;
  tf.registerGradient({
    kernelName: tf._FusedMatMul,
    inputsToSave: ['a', 'b'],
    outputsToSave: [true],
    gradFunc: (dy, saved, attrs) => {
      const [a, b, y] = saved as [tf.Tensor3D, tf.Tensor3D, tf.Tensor3D];
      const { transposeA, transposeB, activation } = attrs as unknown as { transposeA: boolean; transposeB: boolean; activation: Activation };
      if (!FUSED.has(activation)) throw new Error(`_FusedMatMul gradient (@elbo/autoencoder): activation ${activation} is not supported`);
      const g = activationGrad(dy as tf.Tensor3D, y, activation);
      const t = (m: tf.Tensor): tf.Tensor => tf.transpose(m, [0, 2, 1]);
      // g b^T = (b g^T)^T: transpose whichever of g and b is smaller (the weights are usually the larger;
      // on wasm a freshly transposed weight matrix also has to be repacked by XNNPACK before the product).
      const gTimesBT = (): tf.Tensor => (b.size > g.size ? t(tf.matMul(b, t(g))) : tf.matMul(g, t(b)));
      const grads: Record<string, () => tf.Tensor> =
        !transposeA && !transposeB
          ? { a: gTimesBT, b: () => tf.matMul(t(a), g) }
          : !transposeA && transposeB
            ? { a: () => tf.matMul(g, b), b: () => tf.matMul(t(g), a) }
            : transposeA && !transposeB
              ? { a: () => tf.matMul(b, t(g)), b: () => tf.matMul(a, g) }
              : { a: () => tf.matMul(t(b), t(g)), b: () => tf.matMul(t(g), t(a)) };
      grads.bias = () => tf.sum(g, [0, 1]);
      return grads;
    },
  });
}

/** dL/d(pre-activation) from dL/dy and y = act(pre), written with y only. */
function activationGrad<T extends tf.Tensor>(dy: T, y: T, activation: Activation): T {
  switch (activation) {
    case 'linear':
      return dy;
    case 'relu':
      return tf.mul(dy, tf.step(y)) as T;
    case 'sigmoid':
      return tf.mul(dy, tf.mul(y, tf.sub(1, y))) as T;
    case 'tanh':
      return tf.mul(dy, tf.sub(1, tf.square(y))) as T;
    case 'elu': // y > 0: 1; else d/dp (e^p - 1) = e^p = y + 1
      return tf.mul(dy, tf.where(tf.greater(y, 0), tf.onesLike(y), tf.add(y, 1))) as T;
    case 'softplus': // y = log(1 + e^p)  =>  dy/dp = sigmoid(p) = 1 - e^-y
      return tf.mul(dy, tf.neg(tf.expm1(tf.neg(y)))) as T;
  }
}
