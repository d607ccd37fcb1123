import { Worker } from 'node:worker_threads';
import { matMulRowBlock, simdMatMulModuleBytes, type MatMulHelpers, type ProductOnMemory } from '@elbo/backend-common';
import { CONTROL, MATMUL_WORKER_SOURCE } from './matmul-worker-source';

/** Helper threads for elbo's wasm matMul, with what a test or a benchmark reads of them. */
export interface MatMulThreads extends MatMulHelpers {
  /** Products they took a share of so far. */
  readonly sharedProducts: number;
  /** False once a helper failed: they take no further products. */
  readonly healthy: boolean;
  /** Stops the threads (they are unref'd, so a process may also just exit). */
  stop(): Promise<void>;
}

/** How long the training thread waits for a helper's rows before computing them itself. */
const ANSWER_TIMEOUT_MS = 60_000;
/** The training thread spins this long for the helpers before sleeping: the shares usually end together. */
const SPIN_MS = 0.5;
const PAGE = 65536;

/**
 * Starts `count` worker threads that take shares of elbo's large wasm
 * products (see `MatMulHelpers`). Each runs elbo's matMul module, `fused`
 * (relaxed SIMD) or not as the training thread's, on one shared memory that
 * grows to the largest product's copies.
 */
export function startMatMulThreads(count: number, fused: boolean): MatMulThreads {
  const module = new WebAssembly.Module(simdMatMulModuleBytes(fused, true));
  const memory = new WebAssembly.Memory({ initial: 1, maximum: 65536, shared: true });
  let healthy = true;
  let sharedProducts = 0;
  const helpers = Array.from({ length: count }, () => {
    const control = new Int32Array(new SharedArrayBuffer(4 * CONTROL.length));
    const worker = new Worker(MATMUL_WORKER_SOURCE, { eval: true, workerData: { module, memory, control } });
    worker.unref();
    // Seen only when the event loop runs; the timeout below covers a helper that dies mid-product.
    worker.on('error', () => (healthy = false));
    worker.on('exit', () => (healthy = false));
    return { worker, control, requests: 0 };
  });

  function start(product: ProductOnMemory, from: number): () => boolean {
    if (!healthy) return () => false;
    const { m, n, k } = product;
    const rowsEach = 4 * Math.ceil((m - from) / (4 * count));
    const shares = helpers
      .map((helper, i) => ({ helper, first: from + i * rowsEach, end: Math.min(m, from + (i + 1) * rowsEach) }))
      .filter((share) => share.first < share.end);
    // Layout in the shared memory: B, bias, then each share's rows of A and of C.
    const at = { b: 0, bias: 4 * k * n, next: 4 * k * n + (product.bias === 0 ? 0 : 4 * n) };
    const placed = shares.map((share) => {
      const a = align(at.next);
      const c = align(a + 4 * (share.end - share.first) * k);
      at.next = c + 4 * (share.end - share.first) * n;
      return { ...share, a, c };
    });
    if (!fits(memory, at.next)) return () => false;
    // Wake the helpers first, so that they are awake by the time their rows are in (see the worker's source).
    for (const { helper } of placed) Atomics.notify(helper.control, CONTROL.request);
    const from8 = new Uint8Array(product.memory.buffer);
    const to8 = new Uint8Array(memory.buffer);
    to8.set(from8.subarray(product.b, product.b + 4 * k * n), at.b);
    if (product.bias !== 0) to8.set(from8.subarray(product.bias, product.bias + 4 * n), at.bias);
    const block = matMulRowBlock(m, k);
    for (const { helper, first, end, a, c } of placed) {
      to8.set(from8.subarray(product.a + 4 * first * k, product.a + 4 * end * k), a);
      const bias = product.bias === 0 ? 0 : at.bias;
      helper.control.set([a, at.b, c, bias, end - first, n, k, product.flags, block], CONTROL.args);
      helper.requests += 1;
      Atomics.store(helper.control, CONTROL.request, helper.requests);
      Atomics.notify(helper.control, CONTROL.request);
    }
    sharedProducts += 1;
    return () => {
      for (const { helper } of placed) {
        if (!awaitAnswer(helper.control, helper.requests)) healthy = false;
      }
      if (!healthy) return false;
      const into8 = new Uint8Array(product.memory.buffer);
      const shared8 = new Uint8Array(memory.buffer);
      for (const { first, end, c } of placed) {
        into8.set(shared8.subarray(c, c + 4 * (end - first) * n), product.c + 4 * first * n);
      }
      return true;
    };
  }

  return {
    count,
    start,
    get sharedProducts() {
      return sharedProducts;
    },
    get healthy() {
      return healthy;
    },
    async stop() {
      healthy = false;
      for (const { control } of helpers) {
        Atomics.store(control, CONTROL.request, -1);
        Atomics.notify(control, CONTROL.request);
      }
      await Promise.all(helpers.map(({ worker }) => worker.terminate()));
    },
  };
}

/** Waits for a helper to finish `request`; false if it trapped or did not answer in time. */
function awaitAnswer(control: Int32Array, request: number): boolean {
  const spinUntil = performance.now() + SPIN_MS;
  while (Atomics.load(control, CONTROL.done) !== request && performance.now() < spinUntil);
  const deadline = Date.now() + ANSWER_TIMEOUT_MS;
  while (Atomics.load(control, CONTROL.done) !== request) {
    if (Date.now() > deadline) return false;
    Atomics.wait(control, CONTROL.done, request - 1, 100);
  }
  return Atomics.load(control, CONTROL.status) === 0;
}

/** Grows `memory` to hold `bytes`; false where it cannot (past 4 GiB). */
function fits(memory: WebAssembly.Memory, bytes: number): boolean {
  const pages = Math.ceil(bytes / PAGE) - memory.buffer.byteLength / PAGE;
  if (pages <= 0) return true;
  try {
    memory.grow(pages);
    return true;
  } catch {
    return false;
  }
}

const align = (offset: number): number => Math.ceil(offset / 16) * 16;
