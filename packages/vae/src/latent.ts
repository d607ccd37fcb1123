// Walking the latent space: interpolation paths and grids (plain numbers, no tensors).

/**
 * Inverse CDF of N(0, 1) (Acklam's rational approximation plus one Halley
 * step: relative error below 1e-12 on (0, 1)). tfjs has no `erfinv`.
 *
 * ```
 * normalQuantile(p) = x  such that  Phi(x) = p
 * ```
 *
 * @param p - probability in (0, 1); 0 and 1 give -Infinity and Infinity.
 * @returns the quantile.
 * @example
 * ```ts
 * normalQuantile(0.975); // 1.959964
 * ```
 */
export function normalQuantile(p: number): number {
  if (!(p >= 0 && p <= 1)) throw new Error(`normalQuantile: p must be in [0, 1], got ${p}`);
  if (p === 0) return -Infinity;
  if (p === 1) return Infinity;
  const a = [-3.969683028665376e1, 2.209460984245205e2, -2.759285104469687e2, 1.38357751867269e2, -3.066479806614716e1, 2.506628277459239];
  const b = [-5.447609879822406e1, 1.615858368580409e2, -1.556989798598866e2, 6.680131188771972e1, -1.328068155288572e1];
  const c = [-7.784894002430293e-3, -3.223964580411365e-1, -2.400758277161838, -2.549732539343734, 4.374664141464968, 2.938163982698783];
  const d = [7.784695709041462e-3, 3.224671290700398e-1, 2.445134137142996, 3.754408661907416];
  const low = 0.02425;
  let x: number;
  if (p < low || p > 1 - low) {
    const q = Math.sqrt(-2 * Math.log(p < low ? p : 1 - p));
    const v =
      (((((c[0]! * q + c[1]!) * q + c[2]!) * q + c[3]!) * q + c[4]!) * q + c[5]!) /
      ((((d[0]! * q + d[1]!) * q + d[2]!) * q + d[3]!) * q + 1);
    x = p < low ? v : -v;
  } else {
    const q = p - 0.5;
    const r = q * q;
    x =
      ((((((a[0]! * r + a[1]!) * r + a[2]!) * r + a[3]!) * r + a[4]!) * r + a[5]!) * q) /
      (((((b[0]! * r + b[1]!) * r + b[2]!) * r + b[3]!) * r + b[4]!) * r + 1);
  }
  // One Halley step on Phi(x) - p (Phi through erfc, accurate in both tails).
  const e = 0.5 * erfc(-x / Math.SQRT2) - p;
  const u = e * Math.sqrt(2 * Math.PI) * Math.exp((x * x) / 2);
  return x - u / (1 + (x * u) / 2);
}

/** erfc(x): 1 - (Taylor series of erf) below 0.5, the continued fraction (Lentz) above. */
function erfc(x: number): number {
  if (x < 0) return 2 - erfc(-x);
  if (x < 0.5) return 1 - erfSeries(x);
  // Lentz continued fraction: erfc(x) = exp(-x^2)/sqrt(pi) * 1/(x + 1/2/(x + 1/(x + 3/2/(x + ...))))
  let f = x;
  let C = x;
  let D = 0;
  for (let n = 1; n < 300; n++) {
    const an = n / 2;
    D = x + an * D;
    D = D === 0 ? 1e-300 : 1 / D;
    C = x + an / C;
    if (C === 0) C = 1e-300;
    const delta = C * D;
    f *= delta;
    if (Math.abs(delta - 1) < 1e-16) break;
  }
  return Math.exp(-x * x) / Math.sqrt(Math.PI) / f;
}

function erfSeries(x: number): number {
  // erf(x) = 2/sqrt(pi) * sum_n (-1)^n x^(2n+1) / (n! (2n+1))
  let sum = 0;
  let term = x;
  for (let n = 0; n < 60; n++) {
    const t = term / (2 * n + 1);
    sum += t;
    if (Math.abs(t) < 1e-17 * Math.abs(sum)) break;
    term *= (-x * x) / (n + 1);
  }
  return (2 / Math.sqrt(Math.PI)) * sum;
}

/**
 * Points on the path from z1 to z2: straight (`lerp`) or along the great
 * circle (`slerp`, White 2016), which keeps norms typical of N(0, I) draws.
 *
 * ```
 * lerp(t)  = (1 - t) z1 + t z2
 * slerp(t) = sin((1 - t) w) / sin w * z1 + sin(t w) / sin w * z2,   cos w = z1.z2 / (|z1| |z2|)
 * ```
 *
 * @param z1 - start point. @param z2 - end point, same length.
 * @param steps - number of points, an integer >= 1 (1 gives just z1).
 * @returns `steps` points (t = 0 .. 1 evenly), each of z1's length.
 */
export function latentPath(z1: ArrayLike<number>, z2: ArrayLike<number>, steps: number, spherical: boolean): number[][] {
  if (!Number.isInteger(steps) || steps < 1) throw new Error(`latentPath: steps must be an integer >= 1, got ${steps}`);
  for (const [name, z] of [
    ['z1', z1],
    ['z2', z2],
  ] as const) {
    if (z == null || typeof z.length !== 'number' || z.length === 0 || Array.from(z).some((v) => !Number.isFinite(v))) {
      throw new Error(
        `latentPath: ${name} must be a non-empty array of finite numbers, got ${z == null ? String(z) : JSON.stringify(Array.from(z as ArrayLike<number>))}`,
      );
    }
  }
  // Points pair z1[i] with z2[i]: a shorter z2 would give NaN, a longer one would be cut silently.
  if (z1.length !== z2.length) throw new Error(`latentPath: z2 must have z1's length ${z1.length}, got length ${z2.length}`);
  const n1 = Math.hypot(...Array.from(z1));
  const n2 = Math.hypot(...Array.from(z2));
  let dot = 0;
  for (let i = 0; i < z1.length; i++) dot += z1[i]! * z2[i]!;
  const omega = Math.acos(Math.min(1, Math.max(-1, dot / (n1 * n2 || 1))));
  const useSlerp = spherical && Math.sin(omega) > 1e-6;
  return Array.from({ length: steps }, (_, k) => {
    const t = steps === 1 ? 0 : k / (steps - 1);
    const [w1, w2] = useSlerp ? [Math.sin((1 - t) * omega) / Math.sin(omega), Math.sin(t * omega) / Math.sin(omega)] : [1 - t, t];
    return Array.from(z1, (v, i) => w1 * v + w2 * z2[i]!);
  });
}

/**
 * A size x size grid of 2-D latent points spread evenly in probability under
 * N(0, I): coordinates are normalQuantile((i + 1/2) / size). Row r, column c is
 * index r * size + c with z = (q_c, q_{size-1-r}), so the first row is the top
 * (largest z2) as in a picture.
 */
export function latentGridPoints(size: number): number[][] {
  const q = Array.from({ length: size }, (_, i) => normalQuantile((i + 0.5) / size));
  const points: number[][] = [];
  for (let r = 0; r < size; r++) for (let c = 0; c < size; c++) points.push([q[c]!, q[size - 1 - r]!]);
  return points;
}
