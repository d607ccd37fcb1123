// Test-only (never exported): float64 values of the continuous Bernoulli in its logits.
// Float64 oracles written straight from the definitions in the logits l
// (lambda = sigmoid(l), 1 - 2 lambda = -tanh(l/2), so C = l / tanh(l/2)),
// with the limits at l = 0. Double precision keeps them exact far beyond
// float32 at these logits (expm1(100) and sinh(50) are finite doubles).
const sp64 = (v: number) => Math.max(v, 0) + Math.log1p(Math.exp(-Math.abs(v)));
export const oracle = {
  logNorm: (l: number) => (l === 0 ? Math.LN2 : Math.log(l / Math.tanh(l / 2))),
  logProb: (l: number, x: number) => oracle.logNorm(l) + x * l - sp64(l),
  mean: (l: number) => (l === 0 ? 0.5 : 1 / -Math.expm1(-l) - 1 / l),
  variance: (l: number) => (l === 0 ? 1 / 12 : 1 / l ** 2 - 1 / (4 * Math.sinh(l / 2) ** 2)),
  entropy: (l: number) => sp64(l) - l * oracle.mean(l) - oracle.logNorm(l),
  cdf: (l: number, x: number) => (l === 0 ? x : Math.expm1(x * l) / Math.expm1(l)),
  icdf: (l: number, u: number) => (l === 0 ? u : Math.log1p(u * Math.expm1(l)) / l),
  // d/dl log p(x) = x - sigmoid(l) + d log C/dl, d log C/dl = 1/l - 1/sinh(l)
  dLogProb: (l: number, x: number) => x - 1 / (1 + Math.exp(-l)) + (l === 0 ? 0 : 1 / l - 1 / Math.sinh(l)),
};
