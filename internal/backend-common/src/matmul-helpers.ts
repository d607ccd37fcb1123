/**
 * Other threads that take a share of the rows of elbo's large wasm products.
 *
 * In Node the wasm backend's memory is not shared (tfjs' threaded build
 * cannot start there), so the one core tfjs uses did every product. A
 * helper (@elbo/backend-node's worker threads) works on copies of its rows
 * of A and of B in a shared memory of its own and writes its rows of C back:
 * copying costs about 0.06 ms per MB here, a small part of a product worth
 * sharing. The calling thread computes its own rows in place meanwhile.
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

export interface MatMulHelpers {
  /** Threads that take shares, besides the calling one. */
  readonly count: number;
  /**
   * Starts rows [from, m) of `product` on the helpers (from and m multiples
   * of 4) and returns a function that waits for them and writes their rows
   * of C into the product's memory. That function answers false, writing
   * nothing, where a helper failed or did not answer: the caller then
   * computes those rows itself, and the helpers take no further products.
   */
  start(product: ProductOnMemory, from: number): () => boolean;
}

/**
 * Products with fewer multiply-adds than this stay on the calling thread:
 * below it, waking a thread and copying cost about what they save (a
 * [128, 400] x [400, 40] product, 2 M multiply-adds, was no faster on two
 * threads here; the VAE's [128, 784] x [784, 400], 40 M, was 1.6x faster).
 */
export const MIN_SHARED_MULTIPLY_ADDS = 1 << 22;

/** On `globalThis`, as the installed kernels are: two bundled copies of this package must see the same helpers. */
const HELPERS = Symbol.for('@elbo/backend-common:matMulHelpers');
type WithHelpers = { [HELPERS]?: MatMulHelpers | null };

/** Lets elbo's wasm matMul share large products with `helpers` (null: none, every product on the calling thread). */
export function setMatMulHelpers(helpers: MatMulHelpers | null): void {
  (globalThis as WithHelpers)[HELPERS] = helpers;
}

/** The helpers elbo's wasm matMul shares large products with, or null. */
export function matMulHelpers(): MatMulHelpers | null {
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
