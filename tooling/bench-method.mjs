// The benchmark method every elbo speed figure comes from (issue #18): each side measured in fresh
// processes, several interleaved rounds, minimum / median / spread reported for both sides, and no
// ratio printed when either side is unstable.

/** A side is unstable when its median exceeds its 10th percentile by more than this factor. */
export const UNSTABLE_SPREAD = 1.3;

/** The q-quantile of `values` (linear between order statistics). */
export function quantile(values, q) {
  const sorted = [...values].sort((a, b) => a - b);
  const at = q * (sorted.length - 1);
  const lo = Math.floor(at);
  const hi = Math.min(sorted.length - 1, lo + 1);
  return sorted[lo] + (at - lo) * (sorted[hi] - sorted[lo]);
}

/** min, 10th percentile, median, max, count, and whether median / p10 stays within UNSTABLE_SPREAD. */
export function summarize(values) {
  const p10 = quantile(values, 0.1);
  const median = quantile(values, 0.5);
  return {
    n: values.length,
    min: Math.min(...values),
    p10,
    median,
    max: Math.max(...values),
    spread: median / p10,
    stable: median / p10 <= UNSTABLE_SPREAD,
  };
}

const fmt = (v, d) => (Number.isFinite(v) ? v.toFixed(d) : '-');

/** "median (min-max), p10 x, n" of a summary. */
export function describe(summary, digits = 2) {
  return `${fmt(summary.median, digits)} (${fmt(summary.min, digits)}-${fmt(summary.max, digits)}; p10 ${fmt(summary.p10, digits)}, median/p10 ${fmt(summary.spread, 2)}, n ${summary.n})`;
}

/**
 * elbo's median over the peer's, or why there is no ratio: a ratio of an unstable figure says more
 * about the machine than about either program. `lowerIsBetter` (times) picks the minimums for the
 * best-against-best ratio, else (rates) the maximums.
 */
export function ratioOrRefusal(elbo, peer, { lowerIsBetter = true } = {}) {
  const unstable = [
    ['elbo', elbo],
    ['the peer', peer],
  ].filter(([, s]) => !s.stable);
  if (unstable.length > 0) {
    return {
      ratio: null,
      text: `no ratio: ${unstable.map(([name, s]) => `${name} is unstable (median ${fmt(s.median, 2)} is ${fmt(s.spread, 2)}x its 10th percentile ${fmt(s.p10, 2)}; limit ${UNSTABLE_SPREAD}x)`).join('; ')}`,
    };
  }
  // times: elbo / peer (below 1 is faster); rates: elbo / peer (above 1 is faster)
  const ratio = elbo.median / peer.median;
  const best = lowerIsBetter ? elbo.min / peer.min : elbo.max / peer.max;
  return { ratio, text: `${fmt(ratio, 2)}x (medians; ${fmt(best, 2)}x best against best)` };
}

/**
 * Runs `measure(side, round)` (a result, a promise of one, or null to skip) for every side in `rounds`
 * rounds, each side in its own fresh process (the caller's `measure` starts it), the order rotated each
 * round so no side always runs first or after the same neighbour; a side's `rounds` caps its own count.
 * Resolves to side key -> results in round order.
 */
export async function interleavedRounds(sides, rounds, measure, { onRound } = {}) {
  const results = Object.fromEntries(sides.map((s) => [s.key, []]));
  for (let round = 0; round < rounds; round++) {
    const order = sides.map((_, i) => sides[(i + round) % sides.length]);
    const line = [];
    for (const side of order) {
      if (side.rounds != null && results[side.key].length >= side.rounds) continue;
      const r = await measure(side, round);
      if (r == null) continue;
      results[side.key].push(r);
      line.push([side, r]);
    }
    onRound?.(round, line);
  }
  return results;
}

/** The thread pools a PyTorch (OpenMP, MKL, OpenBLAS) process reads at start, pinned to `threads`. */
export function pinnedThreadsEnv(threads) {
  const t = String(threads);
  return { OMP_NUM_THREADS: t, MKL_NUM_THREADS: t, OPENBLAS_NUM_THREADS: t };
}
