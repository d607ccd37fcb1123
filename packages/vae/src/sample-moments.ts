/** Mean and sample standard deviation (n - 1 in the denominator; 0 for fewer than two values). */
export function meanAndSd(values: Float64Array): { mean: number; sd: number } {
  let mean = 0;
  for (const v of values) mean += v / values.length;
  let ss = 0;
  for (const v of values) ss += (v - mean) ** 2;
  return { mean, sd: Math.sqrt(ss / Math.max(1, values.length - 1)) };
}
