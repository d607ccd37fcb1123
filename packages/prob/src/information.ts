import { pair, probabilities, unit, xlogxOverY, type InformationOptions, type ProbabilityInput } from './vectors';

/**
 * Information content (surprisal) of events with probability p: how much
 * you learn when it happens. A certain event carries none; a rare one a lot.
 *
 * ```
 * I(p) = -log p
 * ```
 *
 * @param p - a probability, or an array / tensor of them (each in [0, 1]; they need not sum to 1).
 * @returns a number for a number, else an array of the same length; Infinity for p = 0.
 * @example
 * ```ts
 * information(0.95);                // 0.0513 nats
 * information(0.001, { base: 2 });  // 9.97 bits
 * ```
 */
export function information(p: number, options?: InformationOptions): number;
export function information(p: Exclude<ProbabilityInput, number>, options?: InformationOptions): number[];
export function information(p: ProbabilityInput, { base }: InformationOptions = {}): number | number[] {
  const k = unit('information', base);
  const values = probabilities(p, 'p', 'information', false).map((v) => (v === 0 ? Infinity : -Math.log(v) * k + 0));
  return typeof p === 'number' ? values[0]! : values;
}

/** H(p) = -sum_i p_i log p_i, with 0 log 0 = 0. */
export function entropyOfVector(p: ProbabilityInput, { base, tolerance }: InformationOptions = {}): number {
  const k = unit('entropy', base);
  const ps = probabilities(p, 'p', 'entropy', true, tolerance);
  return -ps.reduce((s, v) => s + (v === 0 ? 0 : v * Math.log(v)), 0) * k + 0;
}

/** H(p, q) = -sum_i p_i log q_i, with 0 log q = 0 and Infinity where q_i = 0 < p_i. */
export function crossEntropyOfVectors(p: ProbabilityInput, q: ProbabilityInput, { base, tolerance }: InformationOptions = {}): number {
  const k = unit('crossEntropy', base);
  const [ps, qs] = pair(p, q, 'crossEntropy', tolerance);
  return -ps.reduce((s, v, i) => s + (v === 0 ? 0 : qs[i] === 0 ? -Infinity : v * Math.log(qs[i]!)), 0) * k + 0;
}

/** KL(p || q) = sum_i p_i log(p_i / q_i), with 0 log(0 / q) = 0 and Infinity where q_i = 0 < p_i. */
export function klOfVectors(p: ProbabilityInput, q: ProbabilityInput, { base, tolerance }: InformationOptions = {}): number {
  const k = unit('klDivergence', base);
  const [ps, qs] = pair(p, q, 'klDivergence', tolerance);
  return ps.reduce((s, v, i) => s + xlogxOverY(v, qs[i]!), 0) * k + 0;
}

/**
 * Jensen-Shannon divergence: the symmetric, always finite average KL of p
 * and q to their mixture. At most log 2.
 *
 * ```
 * JS(p, q) = KL(p || m) / 2 + KL(q || m) / 2,   m = (p + q) / 2
 * ```
 *
 * @param p - probability vector (array or tensor, entries >= 0 summing to 1).
 * @param q - probability vector of the same length.
 * @returns nats (or bits with `{ base: 2 }`).
 * @example
 * ```ts
 * jsDivergence([0.5, 0.5], [0.9, 0.1]); // 0.1017 nats
 * ```
 */
export function jsDivergence(p: ProbabilityInput, q: ProbabilityInput, { base, tolerance }: InformationOptions = {}): number {
  const k = unit('jsDivergence', base);
  const [ps, qs] = pair(p, q, 'jsDivergence', tolerance);
  const m = ps.map((v, i) => (v + qs[i]!) / 2);
  const half = (xs: number[]) => xs.reduce((s, v, i) => s + xlogxOverY(v, m[i]!), 0) / 2;
  return (half(ps) + half(qs)) * k + 0;
}

/**
 * Mutual information of two discrete variables from their joint
 * distribution: how much knowing one tells about the other (0 when independent).
 *
 * ```
 * I(X; Y) = sum_xy p(x, y) log( p(x, y) / (p(x) p(y)) )
 * ```
 *
 * @param joint - rows x, columns y (nested array or 2-D tensor), entries >= 0 summing to 1.
 * @returns nats (or bits with `{ base: 2 }`).
 * @example
 * ```ts
 * mutualInformation([[0.4, 0.1], [0.1, 0.4]]); // 0.1927 nats
 * ```
 */
export function mutualInformation(
  joint: readonly (readonly number[])[] | import('@tensorflow/tfjs-core').Tensor,
  { base, tolerance }: InformationOptions = {},
): number {
  const k = unit('mutualInformation', base);
  const rows = toRows(joint);
  const flat = probabilities(rows.flat(), 'joint', 'mutualInformation', true, tolerance);
  const cols = rows[0]!.length;
  const px = rows.map((r) => r.reduce((a, b) => a + b, 0));
  const py = Array.from({ length: cols }, (_, j) => rows.reduce((a, r) => a + r[j]!, 0));
  let mi = 0;
  flat.forEach((v, i) => {
    mi += xlogxOverY(v, px[Math.floor(i / cols)]! * py[i % cols]!);
  });
  return Math.max(0, mi) * k;
}

function toRows(joint: unknown): number[][] {
  const isTensor = joint != null && typeof (joint as { arraySync?: unknown }).arraySync === 'function';
  const rows = (isTensor ? (joint as { arraySync(): unknown }).arraySync() : joint) as unknown;
  if (!Array.isArray(rows) || rows.length === 0 || !rows.every((r) => Array.isArray(r))) {
    throw new TypeError('mutualInformation: joint must be a non-empty 2-D array (rows x, columns y) or a 2-D tensor');
  }
  const cols = (rows[0] as number[]).length;
  rows.forEach((r: number[], i: number) => {
    if (r.length !== cols)
      throw new Error(`mutualInformation: joint rows must have equal lengths, row 0 has ${cols}, row ${i} has ${r.length}`);
  });
  return rows as number[][];
}
