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
 * `act(x W + b)` for a rank-2 `x` with a hand-written gradient that transposes
 * explicitly before multiplying.
 *
 * ```
 * y = act(x W + b)        g = dy * act'(x W + b)
 * dx = g W^T              dW = x^T g              db = sum_n g[n, :]
 * ```
 *
 * Why: tfjs' matMul gradient multiplies with `transposeA` / `transposeB` set,
 * which the wasm backend runs about 13x slower than a plain product
 * (PLATFORM.md); so does `tf.fused.matMul`'s own gradient, which no gradient
 * registration can replace. The forward pass stays one fused kernel.
 */
export function affine(x: tf.Tensor2D, kernel: tf.Tensor2D, bias: tf.Tensor1D | null, activation: Activation): tf.Tensor2D {
  const fusable = activation === 'linear' || activation === 'relu' || activation === 'sigmoid' || activation === 'elu';
  const op = tf.customGrad(((...args: tf.Tensor[]) => {
    // customGrad passes `save` as the last argument, after the 2 or 3 tensors.
    const [a, w] = args as [tf.Tensor2D, tf.Tensor2D];
    const b = args.length === 4 ? (args[2] as tf.Tensor1D) : undefined;
    const pre = fusable
      ? tf.fused.matMul({ a, b: w, bias: b, activation: activation as tf.fused.Activation })
      : activate(b == null ? tf.matMul(a, w) : tf.add(tf.matMul(a, w), b), activation);
    const save = args[args.length - 1] as unknown as (tensors: tf.Tensor[]) => void;
    save([a, w, pre]);
    return {
      value: pre as tf.Tensor2D,
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
        const [sa, sw, sy] = saved as [tf.Tensor2D, tf.Tensor2D, tf.Tensor2D];
        const g = activationGrad(dy as tf.Tensor2D, sy, activation);
        const grads: tf.Tensor[] = [tf.matMul(g, tf.transpose(sw)), tf.matMul(tf.transpose(sa), g)];
        if (b != null) grads.push(tf.sum(g, 0));
        return grads;
      },
    };
  }) as unknown as Parameters<typeof tf.customGrad>[0]);
  return (bias == null ? op(x, kernel) : op(x, kernel, bias)) as tf.Tensor2D;
}

/** dL/d(pre-activation) from dL/dy and y = act(pre), written with y only. */
function activationGrad(dy: tf.Tensor2D, y: tf.Tensor2D, activation: Activation): tf.Tensor2D {
  switch (activation) {
    case 'linear':
      return dy;
    case 'relu':
      return tf.mul(dy, tf.step(y)) as tf.Tensor2D;
    case 'sigmoid':
      return tf.mul(dy, tf.mul(y, tf.sub(1, y))) as tf.Tensor2D;
    case 'tanh':
      return tf.mul(dy, tf.sub(1, tf.square(y))) as tf.Tensor2D;
    case 'elu': // y > 0: 1; else d/dp (e^p - 1) = e^p = y + 1
      return tf.mul(dy, tf.where(tf.greater(y, 0), tf.onesLike(y), tf.add(y, 1))) as tf.Tensor2D;
    case 'softplus': // y = log(1 + e^p)  =>  dy/dp = sigmoid(p) = 1 - e^-y
      return tf.mul(dy, tf.neg(tf.expm1(tf.neg(y)))) as tf.Tensor2D;
  }
}
