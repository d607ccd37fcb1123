// The closed-form KL divergences registered by default.
import * as tf from '@tensorflow/tfjs-core';
import { Bernoulli } from './bernoulli';
import { Categorical } from './categorical';
import { mask } from './convert';
import type { Distribution } from './distribution';
import { Independent } from './independent';
import type { DistributionClass, KLFunction } from './kl';
import { Laplace } from './laplace';
import { Normal } from './normal';
import { Uniform } from './uniform';

/**
 * KL(N(m1, s1^2) || N(m2, s2^2)) = 1/2 (expm1(r) - r + ((m1 - m2) / s2)^2),   r = 2 log(s1 / s2)
 * (the usual s1^2/s2^2 - 1 - log(s1^2/s2^2), without cancellation near p = q).
 */
function klNormalNormal(p: Normal, q: Normal): tf.Tensor {
  const r = tf.mul(tf.sub(p.logScaleInternal(), q.logScaleInternal()), 2);
  const t = tf.square(tf.div(tf.sub(p.loc, q.loc), q.scale));
  return tf.mul(tf.add(tf.sub(tf.expm1(r), r), t), 0.5);
}

/** KL of two distributions through the registry (passed in, so this module does not import the registry's). */
type KLOf = (p: Distribution, q: Distribution) => tf.Tensor;

/** Sum of the base KL over the reinterpreted (event) axes; the base pair is looked up in the registry. */
function klIndependentIndependent(p: Independent, q: Independent, klOf: KLOf): tf.Tensor {
  if (p.reinterpretedBatchNdims !== q.reinterpretedBatchNdims || p.eventShape.join() !== q.eventShape.join()) {
    throw new Error(
      `klDivergence(Independent, Independent): event shapes differ, [${p.eventShape.join(', ')}] (${p.reinterpretedBatchNdims} reinterpreted axes) ` +
        `vs [${q.eventShape.join(', ')}] (${q.reinterpretedBatchNdims})`,
    );
  }
  const base = klOf(p.base, q.base);
  const n = p.reinterpretedBatchNdims;
  if (n === 0) return base;
  return tf.sum(
    base,
    Array.from({ length: n }, (_, i) => base.rank - 1 - i),
  );
}

/**
 * KL = p (softplus(-lq) - softplus(-lp)) + (1 - p) (softplus(lq) - softplus(lp));
 * a term is 0 where its weight (p or 1 - p) is 0 and Infinity where q gives it no mass.
 */
function klBernoulliBernoulli(p: Bernoulli, q: Bernoulli): tf.Tensor {
  const [lp, lq, pp, qp] = [p.logits, q.logits, p.probs, q.probs];
  const t1raw = tf.mul(pp, tf.sub(tf.softplus(tf.neg(lq)), tf.softplus(tf.neg(lp))));
  const t2raw = tf.mul(tf.sub(1, pp), tf.sub(tf.softplus(lq), tf.softplus(lp)));
  const inf = tf.scalar(Infinity);
  const zero = tf.scalar(0);
  const t1 = tf.where(
    mask((a) => tf.equal(a, 0), pp),
    zero,
    tf.where(
      mask((b) => tf.equal(b, 0), qp),
      inf,
      t1raw,
    ),
  );
  const t2 = tf.where(
    mask((a) => tf.equal(a, 1), pp),
    zero,
    tf.where(
      mask((b) => tf.equal(b, 1), qp),
      inf,
      t2raw,
    ),
  );
  return tf.add(t1, t2);
}

/** KL = sum_k p_k (log p_k - log q_k), with 0 where p_k = 0 and Infinity where q_k = 0 < p_k. */
function klCategoricalCategorical(p: Categorical, q: Categorical): tf.Tensor {
  if (p.numCategories !== q.numCategories) {
    throw new Error(`klDivergence(Categorical, Categorical): category counts differ, ${p.numCategories} vs ${q.numCategories}`);
  }
  const pZero = mask((a) => tf.equal(a, 0), p.probs);
  const qZero = mask((b) => tf.equal(b, 0), q.probs);
  const shape = tf.broadcast_util.assertAndGetBroadcastShape(p.probs.shape, q.probs.shape);
  const diff = tf.where(qZero, tf.fill(shape, Infinity), tf.sub(p.logits, q.logits));
  const terms = tf.where(pZero, tf.zeros(shape), tf.mul(p.probs, diff));
  return tf.sum(terms, -1);
}

/** KL = log((high_q - low_q) / (high_p - low_p)) when [low_p, high_p] lies inside [low_q, high_q], else Infinity. */
function klUniformUniform(p: Uniform, q: Uniform): tf.Tensor {
  const inside = mask((pl, ph, ql, qh) => tf.logicalAnd(tf.greaterEqual(pl, ql), tf.lessEqual(ph, qh)), p.low, p.high, q.low, q.high);
  const kl = tf.sub(tf.log(tf.sub(q.high, q.low)), tf.log(tf.sub(p.high, p.low)));
  return tf.where(inside, kl, tf.scalar(Infinity));
}

/** KL = log(b_q / b_p) + |m_p - m_q| / b_q + (b_p / b_q) exp(-|m_p - m_q| / b_p) - 1. */
function klLaplaceLaplace(p: Laplace, q: Laplace): tf.Tensor {
  const ratio = tf.div(p.scale, q.scale);
  const dist = tf.abs(tf.sub(p.loc, q.loc));
  const t3 = tf.mul(ratio, tf.exp(tf.neg(tf.div(dist, p.scale))));
  return tf.sub(tf.add(tf.add(tf.neg(tf.log(ratio)), tf.div(dist, q.scale)), t3), 1);
}

/** The pairs installed in the registry on first use; `klOf` looks up a pair for the composite ones (Independent). */
export function builtinKL(klOf: KLOf): [DistributionClass, DistributionClass, KLFunction<any, any>][] {
  const pairs: [DistributionClass<any>, DistributionClass<any>, KLFunction<any, any>][] = [
    [Normal, Normal, klNormalNormal],
    [Independent, Independent, (p: Independent, q: Independent) => klIndependentIndependent(p, q, klOf)],
    [Bernoulli, Bernoulli, klBernoulliBernoulli],
    [Categorical, Categorical, klCategoricalCategorical],
    [Uniform, Uniform, klUniformUniform],
    [Laplace, Laplace, klLaplaceLaplace],
  ];
  return pairs as [DistributionClass<Distribution>, DistributionClass<Distribution>, KLFunction<any, any>][];
}
