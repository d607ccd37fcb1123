// Internal: the continuous Bernoulli's closed forms written in its logits l,
// stable in float32 for every finite l (the probs lambda = sigmoid(l) round
// to 0 or 1 from |l| ~ 17, so nothing here goes through lambda).
//
// With a = |l|, e = exp(-a) and em = 1 - e = -expm1(-a) (all without overflow):
//
//   C(l)      = l / tanh(l/2) = a (1 + e) / (1 - e)
//   log C     = log(a / em) + softplus(-a)
//   mean(-a)  = 1/a - e/em              mean(l) = 1 - mean(-l)    (reflection x -> 1 - x)
//   var       = 1/a^2 - e/em^2          (1/l^2 - 1 / (4 sinh^2(l/2)), even in l)
//   entropy   = 1 - a e/em - log(a / em)   (even in l)
//   cdf(x)    = expm1(x l) / expm1(l)   = exp(-(1 - x) a [l > 0]) expm1(-x a) / expm1(-a)
//   icdf(u)   = log1p(u expm1(l)) / l,  and 1 - icdf_{-l}(1 - u) for l > 0
//
// Near l = 0 these divide 0 by 0 or cancel: Taylor series in l take over
// (coefficients from sympy), and each branch only ever sees inputs it is
// accurate for, so neither makes a NaN or infinite gradient.
import * as tf from '@tensorflow/tfjs-core';
import { mask } from './convert';
import { log1p } from './numerics';

/** Below this |l| the moments use their Taylor series (truncation < 1e-7 relative there). */
const MOMENT_CUT = 1;
/** Below this |l| the cdf and its inverse use cubic Taylor polynomials (truncation < 1e-7). */
const CDF_CUT = 0.05;
/** Above this |l| the inverse cdf uses log(w0 + w1 e) instead of log1p(w1 expm1(-a)). */
const ICDF_LOG_CUT = 1;

/** Sum of c[k] t^k by Horner's rule. */
function poly(t: tf.Tensor, c: number[]): tf.Tensor {
  let acc: tf.Tensor = tf.scalar(c[c.length - 1]!);
  for (let k = c.length - 2; k >= 0; k--) acc = tf.add(tf.mul(acc, t), c[k]!);
  return acc;
}

/**
 * `near(lNear)` where |l| < cut and `far(lFar)` elsewhere; lNear is 0 and lFar
 * is `cut` where the other branch is used, so both stay finite.
 */
function split(l: tf.Tensor, cut: number, near: (l: tf.Tensor) => tf.Tensor, far: (l: tf.Tensor) => tf.Tensor): tf.Tensor {
  const small = mask((v) => tf.less(tf.abs(v), cut), l);
  const lNear = tf.where(small, l, tf.zerosLike(l));
  const lFar = tf.where(small, tf.fill(l.shape, cut), l);
  return tf.where(small, near(lNear), far(lFar));
}

/** a = |l|, e = exp(-a), em = -expm1(-a). */
function parts(l: tf.Tensor): { a: tf.Tensor; e: tf.Tensor; em: tf.Tensor } {
  const a = tf.abs(l);
  return { a, e: tf.exp(tf.neg(a)), em: tf.neg(tf.expm1(tf.neg(a))) };
}

/** log C(l): log(a / em) + softplus(-a); log 2 + l^2/12 - 7 l^4/1440 + ... near 0. */
export function cbLogNorm(l: tf.Tensor): tf.Tensor {
  return split(
    l,
    MOMENT_CUT,
    (v) => tf.add(Math.LN2, poly(tf.square(v), [0, 1 / 12, -7 / 1440, 31 / 90720, -127 / 4838400, 73 / 34214400])),
    (v) => {
      const { a, em } = parts(v);
      return tf.add(tf.log(tf.div(a, em)), tf.softplus(tf.neg(a)));
    },
  );
}

/** E[X]: 1/a - e/em at l = -a, reflected for l > 0; 1/2 + l/12 - l^3/720 + ... near 0. */
export function cbMean(l: tf.Tensor): tf.Tensor {
  return split(
    l,
    MOMENT_CUT,
    (v) => tf.add(0.5, tf.mul(v, poly(tf.square(v), [1 / 12, -1 / 720, 1 / 30240, -1 / 1209600, 1 / 47900160]))),
    (v) => {
      const { a, e, em } = parts(v);
      const atMinusA = tf.sub(tf.reciprocal(a), tf.div(e, em));
      return tf.where(
        mask((t) => tf.greater(t, 0), v),
        tf.sub(1, atMinusA),
        atMinusA,
      );
    },
  );
}

/** Var[X]: 1/a^2 - e/em^2; 1/12 - l^2/240 + l^4/6048 - ... near 0. */
export function cbVariance(l: tf.Tensor): tf.Tensor {
  return split(
    l,
    MOMENT_CUT,
    (v) => poly(tf.square(v), [1 / 12, -1 / 240, 1 / 6048, -1 / 172800, 1 / 5322240, -691 / 118879488000]),
    (v) => {
      const { a, e, em } = parts(v);
      return tf.sub(tf.reciprocal(tf.square(a)), tf.div(e, tf.square(em)));
    },
  );
}

/** Differential entropy: 1 - a e/em - log(a/em); -l^2/24 + l^4/960 - ... near 0. */
export function cbEntropy(l: tf.Tensor): tf.Tensor {
  return split(
    l,
    MOMENT_CUT,
    (v) => poly(tf.square(v), [0, -1 / 24, 1 / 960, -1 / 36288, 1 / 1382400, -1 / 53222400]),
    (v) => {
      const { a, e, em } = parts(v);
      return tf.sub(tf.sub(1, tf.div(tf.mul(a, e), em)), tf.log(tf.div(a, em)));
    },
  );
}

/** Broadcasts the logits and x (or u) to one shape. */
function together(l: tf.Tensor, x: tf.Tensor): [tf.Tensor, tf.Tensor] {
  const shape = tf.broadcast_util.assertAndGetBroadcastShape(l.shape, x.shape);
  return [tf.broadcastTo(l, shape), tf.broadcastTo(x, shape)];
}

/**
 * P(X <= x) = expm1(x l) / expm1(l), as exp(-(1 - x) a [l > 0]) expm1(-x a) / expm1(-a);
 * x + l x(x-1)/2 + l^2 x(x-1)(2x-1)/12 + l^3 x^2 (x-1)^2/24 near 0.
 */
export function cbCdf(logits: tf.Tensor, value: tf.Tensor): tf.Tensor {
  const [l, x] = together(logits, value);
  const xm = tf.mul(x, tf.sub(x, 1));
  const near = (v: tf.Tensor): tf.Tensor =>
    tf.add(x, tf.mul(tf.mul(xm, v), tf.add(0.5, tf.mul(v, tf.add(tf.div(tf.sub(tf.mul(x, 2), 1), 12), tf.mul(v, tf.div(xm, 24)))))));
  const far = (v: tf.Tensor): tf.Tensor => {
    const { a } = parts(v);
    const ratio = tf.div(tf.expm1(tf.neg(tf.mul(x, a))), tf.expm1(tf.neg(a)));
    const pos = tf.cast(
      mask((t) => tf.greater(t, 0), v),
      'float32',
    );
    return tf.mul(tf.exp(tf.neg(tf.mul(tf.mul(tf.sub(1, x), a), pos))), ratio);
  };
  return tf.clipByValue(split(l, CDF_CUT, near, far), 0, 1);
}

/**
 * The inverse cdf at u in [0, 1]: y = log1p(v expm1(-a)) / -a with v = u (l < 0)
 * or v = 1 - u and x = 1 - y (l > 0); for a > 1 the log1p is written
 * log((1 - v) + v e) (no cancellation when v expm1(-a) nears -1);
 * u (1 + l(1-u)/2 + l^2 (2u-1)(u-1)/6 + l^3 (1 - 7u + 12u^2 - 6u^3)/24) near 0.
 */
export function cbIcdf(logits: tf.Tensor, uniform: tf.Tensor): tf.Tensor {
  const [l, u] = together(logits, uniform);
  const near = (v: tf.Tensor): tf.Tensor => {
    const c1 = tf.mul(tf.sub(1, u), 0.5);
    const c2 = tf.div(tf.mul(tf.sub(tf.mul(u, 2), 1), tf.sub(u, 1)), 6);
    const c3 = tf.div(poly(u, [1, -7, 12, -6]), 24);
    return tf.mul(u, tf.add(1, tf.mul(v, tf.add(c1, tf.mul(v, tf.add(c2, tf.mul(v, c3)))))));
  };
  const far = (v: tf.Tensor): tf.Tensor => {
    const pos = mask((t) => tf.greater(t, 0), v);
    const w1 = tf.where(pos, tf.sub(1, u), u);
    const w0 = tf.where(pos, u, tf.sub(1, u));
    const { a, e } = parts(v);
    const big = mask((t) => tf.greater(t, ICDF_LOG_CUT), a);
    const aSmall = tf.where(big, tf.onesLike(a), a);
    const viaLog1p = log1p(tf.mul(w1, tf.expm1(tf.neg(aSmall))));
    const eBig = tf.where(big, e, tf.fill(e.shape, Math.exp(-2 * ICDF_LOG_CUT)));
    const viaLog = tf.log(tf.add(w0, tf.mul(w1, eBig)));
    const y = tf.div(tf.where(big, viaLog, viaLog1p), tf.neg(a));
    return tf.where(pos, tf.sub(1, y), y);
  };
  return tf.clipByValue(split(l, CDF_CUT, near, far), 0, 1);
}
