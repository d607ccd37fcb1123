// Internal: the logits-xor-probs parameterization shared by Bernoulli, Categorical, ContinuousBernoulli.
import * as tf from '@tensorflow/tfjs-core';
import { describeValue, type TensorInput } from './convert';
import { log1p } from './numerics';

/** Exactly one of `logits` or `probs`: the parameters of Bernoulli, ContinuousBernoulli and Categorical. */
export type LogitsOrProbs = { logits: TensorInput; probs?: undefined } | { probs: TensorInput; logits?: undefined };

/** Which of `logits` / `probs` was given; throws unless exactly one, showing what came. */
export function oneOf(where: string, params: { logits?: unknown; probs?: unknown }): 'logits' | 'probs' {
  if (params == null || typeof params !== 'object') {
    throw new TypeError(`${where}: expected { logits } or { probs }, got ${describeValue(params)}`);
  }
  const hasLogits = params.logits !== undefined;
  const hasProbs = params.probs !== undefined;
  if (hasLogits === hasProbs) {
    const got = hasLogits ? `both (logits: ${show(params.logits)}, probs: ${show(params.probs)})` : 'neither';
    throw new Error(`${where}: give exactly one of logits or probs, got ${got}`);
  }
  return hasLogits ? 'logits' : 'probs';
}

function show(x: unknown): string {
  if (typeof x === 'number') return String(x);
  if (Array.isArray(x) && x.length <= 6) return JSON.stringify(x);
  return describeValue(x);
}

/** log(p) - log(1 - p) with p clamped to [eps, 1 - eps], so logits stay finite. */
export function logitsFromProbs(probs: tf.Tensor): tf.Tensor {
  return tf.tidy(() => {
    const eps = tf.backend().epsilon();
    const p = tf.clipByValue(probs, eps, 1 - eps);
    return tf.sub(tf.log(p), log1p(tf.neg(p)));
  });
}

/**
 * x log sigmoid(l) + (1 - x) log sigmoid(-l) = x l - softplus(l), elementwise
 * with broadcasting: the Bernoulli log-likelihood of x in [0, 1] at logits l
 * (minus the binary cross-entropy), with one softplus per element.
 *
 * ```
 * x l - softplus(l) = x l - relu(l) - softplus(-|l|)       d/dl = x - sigmoid(l),  d/dx = l
 * ```
 *
 * The split keeps the small -softplus(-|l|) exact where x l and softplus(l)
 * are large and equal (x = 1, l >> 0: -9.4e-14 at l = 30, which
 * x l - softplus(l) rounds to 0); the gradient is written out, one sigmoid.
 */
export function bernoulliLogLikelihood(x: tf.Tensor, logits: tf.Tensor): tf.Tensor {
  const shape = tf.broadcast_util.assertAndGetBroadcastShape(x.shape, logits.shape);
  const to = (t: tf.Tensor) => (tf.util.arraysEqual(t.shape, shape) ? t : tf.broadcastTo(t, shape));
  return bernoulliLogLikelihoodOp(to(x), to(logits));
}

const bernoulliLogLikelihoodOp = tf.customGrad(((x: tf.Tensor, l: tf.Tensor, save: tf.GradSaveFunc) => {
  save([x, l]);
  const value = tf.sub(tf.sub(tf.mul(x, l), tf.relu(l)), tf.softplus(tf.neg(tf.abs(l))));
  return {
    value,
    gradFunc: (dy: tf.Tensor, [sx, sl]: tf.Tensor[]) => [tf.mul(dy, sl!), tf.mul(dy, tf.sub(sx!, tf.sigmoid(sl!)))],
  };
}) as never) as unknown as (x: tf.Tensor, l: tf.Tensor) => tf.Tensor;

/**
 * The Bernoulli log-likelihood summed over `axes`, as one op with its
 * gradient in the logits written out: the decoder's hot path (every pixel,
 * every step). The same stable form as {@link bernoulliLogLikelihood}; the
 * fused sum and a gradient only to the logits (the data x is a constant)
 * make it faster than the naive `sum(x l - softplus(l))` differentiated op
 * by op.
 *
 * ```
 * sum_axes x l - relu(l) - softplus(-|l|)        d/dl = x - sigmoid(l)
 * ```
 */
export function bernoulliEventLogLikelihood(x: tf.Tensor, logits: tf.Tensor, axes: number[]): tf.Tensor {
  const fused = fusedRows(x, logits, axes);
  if (fused != null) return fusedBernoulliRows(x, logits, axes, fused);
  const shape = tf.broadcast_util.assertAndGetBroadcastShape(x.shape, logits.shape);
  const l = tf.util.arraysEqual(logits.shape, shape) ? logits : tf.broadcastTo(logits, shape);
  const kept = shape.map((d, i) => (axes.includes(i) ? 1 : d));
  const op = tf.customGrad(((lv: tf.Tensor, save: tf.GradSaveFunc) => {
    save([lv]);
    const perElement = tf.sub(tf.sub(tf.mul(x, lv), tf.relu(lv)), tf.softplus(tf.neg(tf.abs(lv))));
    return {
      value: tf.sum(perElement, axes),
      gradFunc: (dy: tf.Tensor, [sl]: tf.Tensor[]) => tf.mul(tf.reshape(dy, kept), tf.sub(x, tf.sigmoid(sl!))),
    };
  }) as never) as unknown as (l: tf.Tensor) => tf.Tensor;
  return op(l);
}

/**
 * A backend may run the row sums of {@link bernoulliEventLogLikelihood} as
 * one kernel, by these names (@elbo/backend-node and @elbo/backend-web
 * register them on wasm): x [m, d] and logits [r, d], row i of the logits
 * against row i mod m of x, give [r]; the gradient kernel takes dy [r] too
 * and gives dy (x - sigmoid(l)), [r, d].
 */
export const BERNOULLI_LOG_LIKELIHOOD_KERNEL = 'ElboBernoulliLogLikelihood';
export const BERNOULLI_LOG_LIKELIHOOD_GRAD_KERNEL = 'ElboBernoulliLogLikelihoodGrad';

/** Rows of the logits, rows of x and the row width of the kernels' [rows, width] form. */
interface FusedRows {
  rows: number;
  xRows: number;
  width: number;
}

/**
 * The rows and width of the kernels' form where it applies: both kernels on
 * the current backend, float32, the summed axes the last ones and within x,
 * x's shape the trailing part of the logits' (x broadcast over the leading
 * axes, as the K samples of log p(x) share their image), and a width that is
 * a multiple of 4 (the kernels' SIMD lanes); else null.
 */
function fusedRows(x: tf.Tensor, logits: tf.Tensor, axes: number[]): FusedRows | null {
  const backend = tf.getBackend();
  if (tf.getKernel(BERNOULLI_LOG_LIKELIHOOD_KERNEL, backend) == null || tf.getKernel(BERNOULLI_LOG_LIKELIHOOD_GRAD_KERNEL, backend) == null)
    return null;
  if (x.dtype !== 'float32' || logits.dtype !== 'float32' || x.rank > logits.rank || axes.length === 0 || axes.length > x.rank) return null;
  const trailing = axes.every((axis, i) => axis === logits.rank - axes.length + i);
  if (!trailing || !tf.util.arraysEqual(x.shape, logits.shape.slice(logits.rank - x.rank))) return null;
  const width = tf.util.sizeFromShape(logits.shape.slice(logits.rank - axes.length));
  if (width % 4 !== 0 || width === 0) return null;
  return { rows: logits.size / width, xRows: x.size / width, width };
}

/** The fused form: the kernel on [rows, width] views, differentiable through its registered gradient. */
function fusedBernoulliRows(x: tf.Tensor, logits: tf.Tensor, axes: number[], { rows, xRows, width }: FusedRows): tf.Tensor {
  registerBernoulliGradient();
  return tf.tidy(() => {
    const inputs = { x: tf.reshape(x, [xRows, width]), logits: tf.reshape(logits, [rows, width]) };
    const sums = tf.engine().runKernel(BERNOULLI_LOG_LIKELIHOOD_KERNEL, inputs) as tf.Tensor;
    return tf.reshape(sums, logits.shape.slice(0, logits.rank - axes.length));
  });
}

/**
 * The kernel's gradient, registered once (by kernel name, for every backend
 * that has the kernel); each input's part is computed only when asked for,
 * so training pays for the logits' alone:
 *
 *   d/dl = dy (x - sigmoid(l))        (the gradient kernel)
 *   d/dx = sum over the rows paired with x's row of dy l
 */
function registerBernoulliGradient(): void {
  registerBernoulliSecondGradient();
  if (tf.getGradient(BERNOULLI_LOG_LIKELIHOOD_KERNEL) != null) return;
  tf.registerGradient({
    kernelName: BERNOULLI_LOG_LIKELIHOOD_KERNEL,
    inputsToSave: ['x', 'logits'],
    gradFunc: (dy, saved) => {
      const [x, logits] = saved as [tf.Tensor2D, tf.Tensor2D];
      const [xRows, width] = x.shape;
      const rows = logits.shape[0];
      return {
        logits: () => tf.engine().runKernel(BERNOULLI_LOG_LIKELIHOOD_GRAD_KERNEL, { x, logits, dy: dy as tf.Tensor }) as tf.Tensor,
        x: () => tf.sum(tf.mul(tf.reshape(dy as tf.Tensor, [rows / xRows, xRows, 1]), tf.reshape(logits, [rows / xRows, xRows, width])), 0),
      };
    },
  });
}

/**
 * The gradient kernel's own gradient, in composed ops, so second derivatives
 * (a Hessian, a Laplace approximation) go through the fused path too. With
 * g = dy (x - s), s = sigmoid(l), and G = dL/dg:
 *
 *   d/dl = -G dy s (1 - s)     d/ddy = sum_j G (x - s)     d/dx = sum over the rows paired with x's row of G dy
 */
function registerBernoulliSecondGradient(): void {
  if (tf.getGradient(BERNOULLI_LOG_LIKELIHOOD_GRAD_KERNEL) != null) return;
  tf.registerGradient({
    kernelName: BERNOULLI_LOG_LIKELIHOOD_GRAD_KERNEL,
    inputsToSave: ['x', 'logits', 'dy'],
    gradFunc: (upstream, saved) => {
      const [x, logits, dy] = saved as [tf.Tensor2D, tf.Tensor2D, tf.Tensor1D];
      const G = upstream as tf.Tensor2D;
      const [xRows, width] = x.shape;
      const rows = logits.shape[0];
      const dyColumn = tf.reshape(dy, [rows, 1]);
      // x's row for every row of the logits: [rows / xRows, xRows, width] -> [rows, width]
      const xPaired = () => tf.reshape(tf.broadcastTo(tf.reshape(x, [1, xRows, width]), [rows / xRows, xRows, width]), [rows, width]);
      return {
        logits: () => {
          const s = tf.sigmoid(logits);
          return tf.neg(tf.mul(tf.mul(G, dyColumn), tf.mul(s, tf.sub(1, s))));
        },
        dy: () => tf.sum(tf.mul(G, tf.sub(xPaired(), tf.sigmoid(logits))), 1),
        x: () => tf.sum(tf.reshape(tf.mul(G, dyColumn), [rows / xRows, xRows, width]), 0),
      };
    },
  });
}
