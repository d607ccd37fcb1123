// Internal: the small k x k float64 algebra of the linear-Gaussian posterior (plain numbers, no tensors).

/**
 * Lower Cholesky factor L of a symmetric positive-definite A (A = L L^T).
 * @throws when A is not positive definite (a pivot <= 0).
 */
export function cholesky(a: readonly (readonly number[])[], caller: string): number[][] {
  const k = a.length;
  const l = Array.from({ length: k }, () => new Array<number>(k).fill(0));
  for (let i = 0; i < k; i++) {
    for (let j = 0; j <= i; j++) {
      let s = a[i]![j]!;
      for (let m = 0; m < j; m++) s -= l[i]![m]! * l[j]![m]!;
      if (i === j) {
        if (!(s > 0)) throw new Error(`${caller}: the matrix is not positive definite (pivot ${s} at ${i})`);
        l[i]![i] = Math.sqrt(s);
      } else {
        l[i]![j] = s / l[j]![j]!;
      }
    }
  }
  return l;
}

/** ln det A = 2 sum_i ln L_ii from A's Cholesky factor L. */
export function logDetFromCholesky(l: readonly (readonly number[])[]): number {
  let s = 0;
  for (let i = 0; i < l.length; i++) s += Math.log(l[i]![i]!);
  return 2 * s;
}

/** x with A x = b, from A's Cholesky factor L (forward, then back substitution). */
export function choleskySolve(l: readonly (readonly number[])[], b: ArrayLike<number>): number[] {
  const k = l.length;
  const y = new Array<number>(k);
  for (let i = 0; i < k; i++) {
    let s = b[i]!;
    for (let m = 0; m < i; m++) s -= l[i]![m]! * y[m]!;
    y[i] = s / l[i]![i]!;
  }
  const x = new Array<number>(k);
  for (let i = k - 1; i >= 0; i--) {
    let s = y[i]!;
    for (let m = i + 1; m < k; m++) s -= l[m]![i]! * x[m]!;
    x[i] = s / l[i]![i]!;
  }
  return x;
}

/** a . b */
export function dot(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i]! * b[i]!;
  return s;
}
