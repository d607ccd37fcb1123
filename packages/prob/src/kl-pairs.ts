// The closed-form KL divergences registered by default.
import * as tf from '@tensorflow/tfjs-core';
import { Bernoulli } from './bernoulli';
import { mask } from './convert';
import type { Distribution } from './distribution';
import { Independent } from './independent';
import type { DistributionClass, KLFunction } from './kl';
import { klDistributions } from './kl';
import { Normal } from './normal';

/**
 * KL(N(m1, s1^2) || N(m2, s2^2)) = 1/2 (expm1(r) - r + ((m1 - m2) / s2)^2),   r = 2 log(s1 / s2)
 * (the usual s1^2/s2^2 - 1 - log(s1^2/s2^2), without cancellation near p = q).
 */
function klNormalNormal(p: Normal, q: Normal): tf.Tensor {
  const r = tf.mul(tf.sub(p.logScaleOf(), q.logScaleOf()), 2);
  const t = tf.square(tf.div(tf.sub(p.loc, q.loc), q.scale));
  return tf.mul(tf.add(tf.sub(tf.expm1(r), r), t), 0.5);
}

/** Sum of the base KL over the reinterpreted (event) axes. */
function klIndependentIndependent(p: Independent, q: Independent): tf.Tensor {
  if (p.reinterpretedBatchNdims !== q.reinterpretedBatchNdims || p.eventShape.join() !== q.eventShape.join()) {
    throw new Error(
      `klDivergence(Independent, Independent): event shapes differ, [${p.eventShape.join(', ')}] (${p.reinterpretedBatchNdims} reinterpreted axes) ` +
        `vs [${q.eventShape.join(', ')}] (${q.reinterpretedBatchNdims})`,
    );
  }
  const base = klDistributions(p.base, q.base) as tf.Tensor;
  const n = p.reinterpretedBatchNdims;
  if (n === 0) return base;
  return tf.sum(base, Array.from({ length: n }, (_, i) => base.rank - 1 - i));
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
  const t1 = tf.where(mask((a) => tf.equal(a, 0), pp), zero, tf.where(mask((b) => tf.equal(b, 0), qp), inf, t1raw));
  const t2 = tf.where(mask((a) => tf.equal(a, 1), pp), zero, tf.where(mask((b) => tf.equal(b, 1), qp), inf, t2raw));
  return tf.add(t1, t2);
}

/** The pairs installed in the registry on first use. */
export function builtinKL(): [DistributionClass, DistributionClass, KLFunction<any, any>][] {
  const pairs: [DistributionClass<any>, DistributionClass<any>, KLFunction<any, any>][] = [
    [Normal, Normal, klNormalNormal],
    [Independent, Independent, klIndependentIndependent],
    [Bernoulli, Bernoulli, klBernoulliBernoulli],
  ];
  return pairs as [DistributionClass<Distribution>, DistributionClass<Distribution>, KLFunction<any, any>][];
}
