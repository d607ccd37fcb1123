import { describeValue } from './convert';
import { probabilities, type ProbabilityInput } from './vectors';

/** Input of {@link bayes}. */
export interface BayesInput {
  /** P(h) for each hypothesis h: entries >= 0 summing to 1. */
  prior: ProbabilityInput;
  /** P(evidence | h) for each hypothesis: entries in [0, 1], same length; they need not sum to 1. */
  likelihood: ProbabilityInput;
}

/** Output of {@link bayes}. */
export interface BayesResult {
  /** P(h | evidence) for each hypothesis; sums to 1. */
  posterior: number[];
  /** P(evidence) = sum_h P(evidence | h) P(h). */
  evidence: number;
}

/**
 * Bayes' rule over a finite set of hypotheses: how the evidence reweighs them.
 *
 * ```
 * P(h | e) = P(e | h) P(h) / P(e),      P(e) = sum_h P(e | h) P(h)
 * ```
 *
 * @param input - prior and likelihood, one entry per hypothesis.
 * @returns the posterior (one per hypothesis) and the evidence P(e); throws when P(e) = 0.
 * @example
 * ```ts
 * // 20 students, one has flu; 5 are girls. We learn the sick one is a girl.
 * const prior = Array(20).fill(1 / 20);
 * const likelihood = Array.from({ length: 20 }, (_, i) => (i < 5 ? 1 : 0));
 * const { posterior, evidence } = bayes({ prior, likelihood }); // posterior[0] = 0.2, evidence = 0.25
 * ```
 */
export function bayes(input: BayesInput): BayesResult {
  if (input == null || typeof input !== 'object') throw new TypeError(`bayes: expected { prior, likelihood }, got ${describeValue(input)}`);
  const prior = probabilities(input.prior, 'prior', 'bayes', true);
  const likelihood = probabilities(input.likelihood, 'likelihood', 'bayes', false);
  if (prior.length !== likelihood.length) {
    throw new Error(`bayes: prior and likelihood must have one entry per hypothesis, got ${prior.length} and ${likelihood.length}`);
  }
  const joint = prior.map((p, i) => p * likelihood[i]!);
  const evidence = joint.reduce((a, b) => a + b, 0);
  if (!(evidence > 0)) {
    throw new Error(
      'bayes: the evidence has probability 0 under the prior (every hypothesis with prior > 0 gives it likelihood 0), so no posterior exists',
    );
  }
  return { posterior: joint.map((j) => j / evidence), evidence };
}
