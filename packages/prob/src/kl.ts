import * as tf from '@tensorflow/tfjs-core';
import { broadcastShape, describeValue, toSampleShape } from './convert';
import { Distribution } from './distribution';
import { builtinKL } from './kl-pairs';

/** A closed-form KL(p || q) for one (P, Q) class pair; returns shape broadcast(p.batchShape, q.batchShape). */
export type KLFunction<P extends Distribution = Distribution, Q extends Distribution = Distribution> = (p: P, q: Q) => tf.Tensor;

/** A distribution class (constructor), abstract ones included. */
// eslint-disable-next-line @typescript-eslint/no-unsafe-function-type
export type DistributionClass<D extends Distribution = Distribution> = Function & { readonly prototype: D };

/** Options of the Monte Carlo estimate. */
export interface MonteCarloKLOptions {
  /** Number of samples from p (>= 2). */
  samples: number;
  /** Seed of the draw; same seed, same estimate. */
  seed?: number;
}

/**
 * A Monte Carlo estimate of KL(p || q): the mean of log p(x) - log q(x) over
 * x ~ p, and its standard error (sample standard deviation / sqrt(samples)).
 * Both tensors have shape `batchShape` and are yours to dispose.
 */
export interface MonteCarloKL {
  value: tf.Tensor;
  standardError: tf.Tensor;
}

interface Entry {
  P: DistributionClass;
  Q: DistributionClass;
  fn: KLFunction<any, any>;
}
interface Registry {
  entries: Entry[];
}

const KEY = Symbol.for('elbo.kl.registry');
let builtinsInstalled = false;

/** The registry shared by every loaded copy of @elbo/prob, on globalThis (as tfjs keeps its engine). */
function registry(): Registry {
  const g = globalThis as { [KEY]?: Registry };
  const reg = (g[KEY] ??= { entries: [] });
  if (!builtinsInstalled) {
    builtinsInstalled = true;
    for (const [P, Q, fn] of builtinKL((p, q) => klDistributions(p, q) as tf.Tensor)) {
      if (!reg.entries.some((e) => e.P === P && e.Q === Q)) reg.entries.push({ P, Q, fn });
    }
  }
  return reg;
}

/**
 * Adds (or replaces) the closed-form KL for the class pair (P, Q). The most
 * specific registered pair wins: the one whose classes are closest to p's and
 * q's own classes along their prototype chains (P first, then Q on ties).
 *
 * @param P - class of the first argument (subclasses match too).
 * @param Q - class of the second argument.
 * @param fn - (p, q) => KL(p || q) of shape broadcast(p.batchShape, q.batchShape); called inside `tf.tidy`.
 * @example
 * ```ts
 * registerKL(MyNormal, Normal, (p, q) => myClosedForm(p, q));
 * ```
 */
export function registerKL<P extends Distribution, Q extends Distribution>(
  P: DistributionClass<P>,
  Q: DistributionClass<Q>,
  fn: KLFunction<P, Q>,
): void {
  for (const [cls, name] of [
    [P, 'P'],
    [Q, 'Q'],
  ] as const) {
    if (typeof cls !== 'function' || !(cls.prototype instanceof Distribution || (cls as unknown) === Distribution)) {
      throw new TypeError(`registerKL: ${name} must be a Distribution class, got ${typeof cls === 'function' ? cls.name : typeof cls}`);
    }
  }
  if (typeof fn !== 'function') throw new TypeError(`registerKL: fn must be a function (p, q) => tensor, got ${typeof fn}`);
  const reg = registry();
  const existing = reg.entries.find((e) => e.P === P && e.Q === Q);
  if (existing != null) existing.fn = fn;
  else reg.entries.push({ P, Q, fn });
}

/** Steps from `obj`'s class up to `cls` along the prototype chain, or -1 when `obj` is no `cls`. */
function distance(obj: object, cls: DistributionClass): number {
  let proto = Object.getPrototypeOf(obj);
  for (let d = 0; proto != null; d++, proto = Object.getPrototypeOf(proto)) {
    if (proto === cls.prototype) return d;
  }
  return -1;
}

/** The most specific registered KL for (p, q), or undefined. */
export function lookupKL(p: Distribution, q: Distribution): KLFunction | undefined {
  let best: Entry | undefined;
  let bestKey: [number, number] = [Infinity, Infinity];
  for (const e of registry().entries) {
    const dp = distance(p, e.P);
    const dq = distance(q, e.Q);
    if (dp < 0 || dq < 0) continue;
    if (dp + dq < bestKey[0] + bestKey[1] || (dp + dq === bestKey[0] + bestKey[1] && dp < bestKey[0])) {
      best = e;
      bestKey = [dp, dq];
    }
  }
  return best?.fn;
}

/** KL(p || q) between two distributions: closed form from the registry, or Monte Carlo with `samples`. */
export function klDistributions(p: Distribution, q: Distribution, options?: MonteCarloKLOptions): tf.Tensor | MonteCarloKL {
  if (!(q instanceof Distribution)) throw new TypeError(`klDivergence: q must be a Distribution when p is one, got ${describeValue(q)}`);
  checkSameEvents(p, q);
  if (options?.samples != null) return monteCarloKL(p, q, options);
  const fn = lookupKL(p, q);
  if (fn == null) {
    throw new Error(
      `klDivergence: no closed form is registered for (${distributionName(p)}, ${distributionName(q)}); ` +
        `register one with registerKL(${distributionName(p)}, ${distributionName(q)}, fn) or estimate it by ` +
        'Monte Carlo with klDivergence(p, q, { samples: 1000, seed }), which also returns its standard error',
    );
  }
  return tf.tidy(() => fn(p, q));
}

/** p and q must be over the same events, with batches that broadcast: say so before tfjs' bare broadcast error. */
function checkSameEvents(p: Distribution, q: Distribution): void {
  const shapes = (d: Distribution) => `batchShape [${d.batchShape.join(', ')}], eventShape [${d.eventShape.join(', ')}]`;
  if (!tf.util.arraysEqual(p.eventShape, q.eventShape)) {
    throw new Error(`klDivergence: p and q must have the same eventShape, got p with ${shapes(p)} and q with ${shapes(q)}`);
  }
  broadcastShape(p.batchShape, q.batchShape, `klDivergence: the batch shapes of p (${shapes(p)}) and q (${shapes(q)}) must broadcast`);
}

function monteCarloKL(p: Distribution, q: Distribution, { samples, seed }: MonteCarloKLOptions): MonteCarloKL {
  const [n] = toSampleShape([samples], 'klDivergence');
  if (n == null || n < 2) throw new Error(`klDivergence: samples must be an integer >= 2, got ${samples}`);
  return tf.tidy(() => {
    const x = p.hasRsample ? p.rsample([n], { seed }) : p.sample([n], { seed });
    let logQ: tf.Tensor;
    try {
      logQ = q.logProb(x);
    } catch (error) {
      // with validateArgs, q refuses a value outside its support: there KL(p || q) is infinite
      throw new Error(
        `klDivergence: a sample of p (${distributionName(p)}) lies outside the support of q (${distributionName(q)}), so KL(p || q) is infinite ` +
          `(p puts mass where q has none); with validateArgs false the estimate is Infinity`,
        { cause: error },
      );
    }
    const d = tf.sub(p.logProb(x), logQ);
    const { mean, variance } = tf.moments(d, 0);
    // Unbiased sample variance: n / (n - 1) times the population variance.
    const standardError = tf.sqrt(tf.div(tf.mul(variance, n / (n - 1)), n));
    return { value: mean, standardError };
  });
}

const distributionName = (d: Distribution): string => d.constructor.name;
