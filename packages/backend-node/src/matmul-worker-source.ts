/**
 * Control words of one helper thread: an Int32Array on a SharedArrayBuffer
 * of its own, written by the training thread and read by the helper.
 */
export const CONTROL = {
  /** The request number the training thread asks for; -1 asks the helper to stop. */
  request: 0,
  /** The last request number the helper finished. */
  done: 1,
  /** 0: the last request ran; 1: the kernel trapped. */
  status: 2,
  /** The request: a, b, c, bias (byte offsets in the shared memory), m, n, k, flags, rows per kernel call. */
  args: 3,
  length: 12,
} as const;

/**
 * The helper thread's program, run with `new Worker(source, { eval: true })`.
 * It is JavaScript in a string rather than a bundled file: a package bundle
 * has no separate worker file to point at, and the build's `keepNames`
 * would rewrite a function's text with helpers the worker lacks.
 *
 * It instantiates elbo's matMul module on the shared memory, then waits for
 * a request, runs it, says it is done, and waits again. It spins briefly
 * before sleeping, and the training thread wakes it before copying a
 * request in: waking a sleeping thread took 0.1-0.4 ms on these virtual
 * machines, as long as the copy.
 */
export const MATMUL_WORKER_SOURCE = `
const { workerData } = require('node:worker_threads');
const { module, memory, control } = workerData;
const matmul = new WebAssembly.Instance(module, { env: { memory } }).exports.matmul;
const SPIN_MS = 0.2;
let seen = 0;
for (;;) {
  const spinUntil = performance.now() + SPIN_MS;
  while (Atomics.load(control, ${CONTROL.request}) === seen && performance.now() < spinUntil);
  if (Atomics.load(control, ${CONTROL.request}) === seen) {
    // Woken without a request: the training thread is copying one in. Spin for it again.
    Atomics.wait(control, ${CONTROL.request}, seen);
    continue;
  }
  const request = Atomics.load(control, ${CONTROL.request});
  if (request < 0) break;
  seen = request;
  const [a, b, c, bias, m, n, k, flags, block] = control.subarray(${CONTROL.args}, ${CONTROL.args + 9});
  try {
    for (let row = 0; row < m; row += block) {
      matmul(a + 4 * row * k, b, c + 4 * row * n, bias, Math.min(block, m - row), n, k, flags);
    }
    Atomics.store(control, ${CONTROL.status}, 0);
  } catch {
    Atomics.store(control, ${CONTROL.status}, 1);
  }
  Atomics.store(control, ${CONTROL.done}, request);
  Atomics.notify(control, ${CONTROL.done});
}
`;
