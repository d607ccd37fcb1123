/**
 * Other threads that take a share of the rows of elbo's large wasm kernels:
 * matrix products and the Bernoulli log-likelihood rows.
 *
 * In Node the wasm backend's memory is not shared (tfjs' threaded build
 * cannot start there), so the one core tfjs uses did all the work. A helper
 * (@elbo/backend-node's worker threads) works on copies of its rows in a
 * shared memory of its own and writes its rows of the result back: copying
 * costs about 0.06 ms per MB here, a small part of the work worth sharing.
 * The calling thread computes its own rows in place meanwhile.
 */

/** One product C = act(A B + bias), as elbo's matMul kernel takes it: byte offsets in `memory`. */
export interface ProductOnMemory {
  /** The wasm backend's memory, which holds A, B, bias and C. */
  memory: WebAssembly.Memory;
  a: number;
  b: number;
  c: number;
  /** 0: no bias. */
  bias: number;
  m: number;
  n: number;
  k: number;
  /** The kernel's flags: bit 0 ReLU, bit 1 add bias. */
  flags: number;
}

/**
 * One run of the Bernoulli rows kernel (bernoulli-rows.wat), as it takes it:
 * logits [rows, width] against x [xRows, width] (row r with row r mod
 * xRows), out [rows] (the log-likelihoods) or, with `gradient`, [rows,
 * width] from dy [rows]. Byte offsets in `memory`; dy is 0 without gradient.
 */
export interface BernoulliOnMemory {
  memory: WebAssembly.Memory;
  x: number;
  logits: number;
  dy: number;
  out: number;
  rows: number;
  xRows: number;
  width: number;
  gradient: boolean;
}

export interface ThreadHelpers {
  /** Threads that take shares, besides the calling one. */
  readonly count: number;
  /**
   * Starts rows [from, m) of `product` on the helpers (multiples of 4 apart)
   * and returns a function that waits for them and writes their rows of C
   * into the product's memory. That function answers false, writing
   * nothing, where a helper failed or did not answer: the caller then
   * computes those rows itself, and the helpers take no further work.
   */
  startProduct(product: ProductOnMemory, from: number): () => boolean;
  /** The same for rows [from, rows) of a Bernoulli rows run, `from` as {@link bernoulliCallerRows} gives it. */
  startBernoulli(run: BernoulliOnMemory, from: number): () => boolean;
}

/**
 * Products with fewer multiply-adds than this stay on the calling thread:
 * below it, waking a thread and copying cost about what they save (a
 * [128, 400] x [400, 40] product, 2 M multiply-adds, was no faster on two
 * threads here; the VAE's [128, 784] x [784, 400], 40 M, was 1.6x faster).
 */
export const MIN_SHARED_MULTIPLY_ADDS = 1 << 22;

/**
 * Bernoulli runs with fewer values than this stay on the calling thread: a
 * training batch (128 x 784, about 0.25 ms) gains less than a thread's
 * wake-up costs; `logLikelihood`'s chunks (10,500 x 784, 40 ms) gain nearly
 * half.
 */
export const MIN_SHARED_BERNOULLI_VALUES = 1 << 20;

/** On `globalThis`, as the installed kernels are: two bundled copies of this package must see the same helpers. */
const HELPERS = Symbol.for('@elbo/backend-common:threadHelpers');
type WithHelpers = { [HELPERS]?: ThreadHelpers | null };

/** Lets elbo's wasm kernels share large runs with `helpers` (null: none, everything on the calling thread). */
export function setThreadHelpers(helpers: ThreadHelpers | null): void {
  (globalThis as WithHelpers)[HELPERS] = helpers;
}

/** The helpers elbo's wasm kernels share large runs with, or null. */
export function threadHelpers(): ThreadHelpers | null {
  return (globalThis as WithHelpers)[HELPERS] ?? null;
}

/**
 * The calling thread's rows, [0, returned), of an m-row product shared by
 * it and `helpers` threads: an equal share, a multiple of 4 (the kernel's
 * row tile); m when the product is too small to share.
 */
export function callerRows(m: number, n: number, k: number, helpers: number): number {
  if (helpers < 1 || m < 8 || m * n * k < MIN_SHARED_MULTIPLY_ADDS) return m;
  return Math.min(m, 4 * Math.ceil(m / (4 * (helpers + 1))));
}

/**
 * The calling thread's rows, [0, returned), of a Bernoulli run shared by it
 * and `helpers` threads; `rows` when it is too small to share or cannot be
 * split. Shares start at a multiple of xRows, so each helper pairs its rows
 * with x from x's first row, or, where logits and x have the same rows, each
 * share takes its own rows of x.
 */
export function bernoulliCallerRows(rows: number, xRows: number, width: number, helpers: number): number {
  if (helpers < 1 || rows * width < MIN_SHARED_BERNOULLI_VALUES) return rows;
  const unit = rows === xRows ? 1 : xRows;
  const units = rows / unit;
  if (units < 2) return rows;
  return unit * Math.ceil(units / (helpers + 1));
}
