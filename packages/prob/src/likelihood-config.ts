import { describeValue } from './convert';
import { checkKnownKeys } from './known-keys';

/**
 * The decoder likelihoods p(x | out): `out` is logits for the Bernoulli kinds, the mean for the Gaussian.
 * @example
 * ```ts
 * const name: LikelihoodName = 'continuous-bernoulli';
 * ```
 */
export type LikelihoodName = 'bernoulli' | 'continuous-bernoulli' | 'gaussian';

/**
 * What `new Likelihood(spec)` accepts: a name, or `{ name: 'gaussian', sigma, learnSigma }`
 * (a fixed `sigma`, default 1, or one learned log-sigma starting at `sigma`).
 * @example
 * ```ts
 * const spec: LikelihoodSpec = { name: 'gaussian', sigma: 0.1, learnSigma: true };
 * ```
 */
export type LikelihoodSpec =
  LikelihoodName | { name: 'bernoulli' | 'continuous-bernoulli' } | { name: 'gaussian'; sigma?: number; learnSigma?: boolean };

/**
 * The serializable form of a {@link Likelihood} (the learned sigma's current value included).
 * @example
 * ```ts
 * const config: LikelihoodConfig = { name: 'gaussian', sigma: 0.3, learnSigma: true, eventRank: 1 };
 * ```
 */
export interface LikelihoodConfig {
  name: LikelihoodName;
  /** The Gaussian's sigma (its current value when learned); absent for the Bernoulli kinds. */
  sigma?: number;
  /** Whether the Gaussian's log-sigma is trained; absent for the Bernoulli kinds. */
  learnSigma?: boolean;
  /** How many trailing axes form one event (1 for [n, D], 3 for [n, h, w, c]). */
  eventRank: number;
}

/**
 * Options of `new Likelihood(spec, options)`.
 * @example
 * ```ts
 * const images = new Likelihood('bernoulli', { eventRank: 3 } satisfies LikelihoodOptions); // [n, h, w, c]
 * ```
 */
export interface LikelihoodOptions {
  /** How many trailing axes of `x` and `out` form one event; logProb sums over them. Default 1. */
  eventRank?: number;
}

export const LIKELIHOOD_NAMES: readonly LikelihoodName[] = ['bernoulli', 'continuous-bernoulli', 'gaussian'];

/** A checked spec: every field filled in. */
export interface ParsedSpec {
  name: LikelihoodName;
  sigma: number;
  learnSigma: boolean;
  eventRank: number;
}

const fail = (caller: string, name: string, expected: string, got: unknown): never => {
  throw new Error(`${caller}: ${name} must be ${expected}, got ${describeValue(got)}`);
};

/** Checks a spec and options up front, naming the field, the expectation and what came. */
export function parseSpec(spec: unknown, options: unknown, caller: string): ParsedSpec {
  checkKnownKeys(options, ['eventRank'], caller);
  const { eventRank = 1 } = options as LikelihoodOptions;
  if (!Number.isInteger(eventRank) || eventRank < 0) fail(caller, 'eventRank', 'an integer >= 0', eventRank);
  const names = LIKELIHOOD_NAMES.map((n) => `'${n}'`).join(', ');
  if (typeof spec === 'string') {
    if (!LIKELIHOOD_NAMES.includes(spec as LikelihoodName))
      fail(caller, 'likelihood', `one of ${names} or { name: 'gaussian', sigma, learnSigma }`, spec);
    return { name: spec as LikelihoodName, sigma: 1, learnSigma: false, eventRank };
  }
  if (spec == null || typeof spec !== 'object' || Array.isArray(spec))
    fail(caller, 'likelihood', `one of ${names} or { name: 'gaussian', sigma, learnSigma }`, spec);
  checkKnownKeys(spec, ['name', 'sigma', 'learnSigma'], `${caller}: likelihood`);
  const s = spec as { name?: unknown; sigma?: unknown; learnSigma?: unknown };
  if (!LIKELIHOOD_NAMES.includes(s.name as LikelihoodName)) fail(caller, 'likelihood.name', `one of ${names}`, s.name);
  const name = s.name as LikelihoodName;
  if (name !== 'gaussian' && (s.sigma !== undefined || s.learnSigma !== undefined)) {
    throw new Error(
      `${caller}: likelihood.sigma and likelihood.learnSigma are only for the 'gaussian' likelihood, got them with '${name}'`,
    );
  }
  const { sigma = 1, learnSigma = false } = s;
  if (typeof sigma !== 'number' || !Number.isFinite(sigma) || sigma <= 0) fail(caller, 'likelihood.sigma', 'a finite number > 0', sigma);
  if (typeof learnSigma !== 'boolean') fail(caller, 'likelihood.learnSigma', 'a boolean', learnSigma);
  return { name, sigma: sigma as number, learnSigma: learnSigma as boolean, eventRank };
}
