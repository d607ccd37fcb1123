// A one-dimensional Gaussian kernel density, the building block of the DoSE score.
import { meanAndSd } from './sample-moments';

const LOG_SQRT_2PI = 0.5 * Math.log(2 * Math.PI);

/**
 * Silverman's rule of thumb, h = 0.9 min(sd, IQR / 1.34) n^(-1/5) (the sd alone
 * when the IQR is 0). 0 when every value is the same.
 */
export function silvermanBandwidth(values: Float64Array): number {
  const n = values.length;
  if (values.every((v) => v === values[0])) return 0; // exactly: float sums of equal values leave ~1e-15
  const { sd } = meanAndSd(values);
  const sorted = values.slice().sort();
  const quantile = (q: number) => {
    const at = q * (n - 1);
    const lo = Math.floor(at);
    return sorted[lo]! + (at - lo) * ((sorted[Math.min(n - 1, lo + 1)] ?? sorted[lo]!) - sorted[lo]!);
  };
  const iqr = quantile(0.75) - quantile(0.25);
  const spread = iqr > 0 ? Math.min(sd, iqr / 1.34) : sd;
  return 0.9 * spread * n ** -0.2;
}

/**
 * log of the kernel density estimate at `v`, in log-sum-exp form so that a
 * value far from every fitted one gets a large negative number, not -Infinity:
 *
 * ```
 * log f(v) = log (1 / (n h)) sum_i phi((v - v_i) / h)
 * ```
 */
export function logKernelDensity(values: Float64Array, bandwidth: number, v: number): number {
  let max = -Infinity;
  for (const vi of values) {
    const e = -0.5 * ((v - vi) / bandwidth) ** 2;
    if (e > max) max = e;
  }
  let sum = 0;
  for (const vi of values) sum += Math.exp(-0.5 * ((v - vi) / bandwidth) ** 2 - max);
  return max + Math.log(sum) - Math.log(values.length * bandwidth) - LOG_SQRT_2PI;
}
