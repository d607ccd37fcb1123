import { Worker } from 'node:worker_threads';
import {
  bernoulliRowsModuleBytes,
  matMulRowBlock,
  simdMatMulModuleBytes,
  type BernoulliOnMemory,
  type ProductOnMemory,
  type ThreadHelpers,
} from '@elbo/backend-common';
import { CONTROL, JOB, KERNEL_WORKER_SOURCE } from './kernel-worker-source';

/** Helper threads for elbo's wasm kernels, with what a test or a benchmark reads of them. */
export interface KernelThreads extends ThreadHelpers {
  /** Kernel runs they took a share of so far. */
  readonly sharedRuns: number;
  /** False once a helper failed or they were stopped: they take no further work. */
  readonly healthy: boolean;
  /** Stops the threads (they are unref'd, so a process may also just exit). */
  stop(): Promise<void>;
}

/** How long the training thread waits for a helper's rows before computing them itself. */
const ANSWER_TIMEOUT_MS = 60_000;
/**
 * The training thread spins this long for the helpers before sleeping. It
 * has nothing else to do meanwhile, and waking it from sleep cost 0.1-0.4 ms
 * here: three epochs of the VAE took 3.0-3.9 s spinning 2-20 ms, 4.0-5.8 s
 * spinning 0.5 ms.
 */
const SPIN_MS = 5;
const PAGE = 65536;

interface Helper {
  worker: Worker;
  control: Int32Array;
  requests: number;
}

/** A helper's part of one run: its arguments, and the bytes of its result to copy back (shared offset, backend offset, length). */
interface Share {
  helper: Helper;
  args: number[];
  result: { from: number; to: number; bytes: number };
}

/**
 * Starts `count` worker threads that take shares of elbo's large wasm
 * kernel runs (see `ThreadHelpers`). Each runs elbo's matMul and Bernoulli
 * rows modules, `fused` (relaxed SIMD) or not as the training thread's, on
 * one shared memory that grows to the largest run's copies.
 */
export function startKernelThreads(count: number, fused: boolean): KernelThreads {
  const modules = {
    matmul: new WebAssembly.Module(simdMatMulModuleBytes(fused, true)),
    bernoulli: new WebAssembly.Module(bernoulliRowsModuleBytes(true, fused)),
  };
  const memory = new WebAssembly.Memory({ initial: 1, maximum: 65536, shared: true });
  let healthy = true;
  let sharedRuns = 0;
  const helpers: Helper[] = [];
  try {
    for (let i = 0; i < count; i++) {
      const control = new Int32Array(new SharedArrayBuffer(4 * CONTROL.length));
      const worker = new Worker(KERNEL_WORKER_SOURCE, { eval: true, workerData: { modules, memory, control } });
      worker.unref();
      // Seen only when the event loop runs; the timeout below covers a helper that dies mid-run.
      worker.on('error', () => (healthy = false));
      worker.on('exit', () => (healthy = false));
      helpers.push({ worker, control, requests: 0 });
    }
  } catch (error) {
    for (const { worker } of helpers) void worker.terminate();
    throw error;
  }

  /**
   * Lays out the copies of one run in the shared memory (`place` returns each
   * part's bytes to copy in), copies them in, sends each share to its helper,
   * and returns the function that waits and copies the results back.
   */
  function run(
    backend: WebAssembly.Memory,
    job: number,
    place: (take: (bytes: number) => number) => { copies: { from: number; to: number; bytes: number }[]; shares: Omit<Share, 'helper'>[] },
  ): () => boolean {
    if (!healthy) return () => false;
    let end = 0;
    const take = (bytes: number): number => {
      const at = Math.ceil(end / 16) * 16;
      end = at + bytes;
      return at;
    };
    const { copies, shares } = place(take);
    if (!fits(memory, end)) return () => false;
    const placed: Share[] = shares.map((share, i) => ({ ...share, helper: helpers[i]! }));
    // Wake the helpers first, so that they are awake by the time their rows are in (see the worker's source).
    for (const { helper } of placed) Atomics.notify(helper.control, CONTROL.request);
    const from8 = new Uint8Array(backend.buffer);
    const to8 = new Uint8Array(memory.buffer);
    for (const { from, to, bytes } of copies) to8.set(from8.subarray(from, from + bytes), to);
    for (const { helper, args } of placed) {
      helper.control[CONTROL.job] = job;
      helper.control.set(args, CONTROL.args);
      helper.requests += 1;
      Atomics.store(helper.control, CONTROL.request, helper.requests);
      Atomics.notify(helper.control, CONTROL.request);
    }
    sharedRuns += 1;
    return () => {
      for (const { helper } of placed) {
        if (!awaitAnswer(helper.control, helper.requests)) healthy = false;
      }
      if (!healthy) return false;
      const into8 = new Uint8Array(backend.buffer);
      const shared8 = new Uint8Array(memory.buffer);
      for (const { result } of placed) into8.set(shared8.subarray(result.from, result.from + result.bytes), result.to);
      return true;
    };
  }

  function startProduct(product: ProductOnMemory, from: number): () => boolean {
    const { m, n, k } = product;
    const rowsEach = 4 * Math.ceil((m - from) / (4 * count));
    const block = matMulRowBlock(m, k);
    return run(product.memory, JOB.product, (take) => {
      const b = take(4 * k * n);
      const bias = product.bias === 0 ? 0 : take(4 * n);
      const copies = [{ from: product.b, to: b, bytes: 4 * k * n }];
      if (bias !== 0) copies.push({ from: product.bias, to: bias, bytes: 4 * n });
      const shares = [];
      for (let first = from; first < m; first += rowsEach) {
        const rows = Math.min(rowsEach, m - first);
        const a = take(4 * rows * k);
        const c = take(4 * rows * n);
        copies.push({ from: product.a + 4 * first * k, to: a, bytes: 4 * rows * k });
        shares.push({
          args: [a, b, c, bias, rows, n, k, product.flags, block],
          result: { from: c, to: product.c + 4 * first * n, bytes: 4 * rows * n },
        });
      }
      return { copies, shares };
    });
  }

  function startBernoulli(job: BernoulliOnMemory, from: number): () => boolean {
    const { rows, xRows, width, gradient } = job;
    const rowBytes = 4 * width;
    const outRowBytes = gradient ? rowBytes : 4;
    // Shares start at a multiple of x's rows (see bernoulliCallerRows), or, where logits and x pair one to one, take their own rows of x.
    const oneToOne = rows === xRows;
    const unit = oneToOne ? 1 : xRows;
    const rowsEach = unit * Math.ceil((rows - from) / (unit * count));
    return run(job.memory, JOB.bernoulli, (take) => {
      const copies = [];
      const wholeX = oneToOne ? 0 : take(xRows * rowBytes);
      if (!oneToOne) copies.push({ from: job.x, to: wholeX, bytes: xRows * rowBytes });
      const shares = [];
      for (let first = from; first < rows; first += rowsEach) {
        const share = Math.min(rowsEach, rows - first);
        const x = oneToOne ? take(share * rowBytes) : wholeX;
        if (oneToOne) copies.push({ from: job.x + first * rowBytes, to: x, bytes: share * rowBytes });
        const logits = take(share * rowBytes);
        copies.push({ from: job.logits + first * rowBytes, to: logits, bytes: share * rowBytes });
        const dy = gradient ? take(4 * share) : 0;
        if (gradient) copies.push({ from: job.dy + 4 * first, to: dy, bytes: 4 * share });
        const out = take(share * outRowBytes);
        shares.push({
          args: [x, logits, dy, out, share, oneToOne ? share : xRows, rowBytes, gradient ? 1 : 0],
          result: { from: out, to: job.out + first * outRowBytes, bytes: share * outRowBytes },
        });
      }
      return { copies, shares };
    });
  }

  return {
    count,
    startProduct,
    startBernoulli,
    get sharedRuns() {
      return sharedRuns;
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
