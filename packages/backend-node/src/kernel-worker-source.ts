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
  /** Which kernel: one of JOB. */
  job: 3,
  /** The kernel's arguments (byte offsets in the shared memory, sizes), as the source below reads them. */
  args: 4,
  length: 16,
} as const;

/** The kernels a helper runs. */
export const JOB = { product: 0, bernoulli: 1 } as const;

/**
 * The helper thread's program, run with `new Worker(source, { eval: true })`.
 * It is JavaScript in a string rather than a bundled file: a package bundle
 * has no separate worker file to point at, and the build's `keepNames`
 * would rewrite a function's text with helpers the worker lacks.
 *
 * It instantiates elbo's matMul and Bernoulli rows modules on the shared
 * memory, then waits for a request, runs it, says it is done, and waits
 * again. It spins briefly before sleeping, and the training thread wakes it
 * before copying a request in: waking a sleeping thread took 0.1-0.4 ms on
 * these virtual machines, as long as the copy.
 */
export const KERNEL_WORKER_SOURCE = `
const { workerData } = require('node:worker_threads');
const { modules, memory, control } = workerData;
const instance = (module) => new WebAssembly.Instance(module, { env: { memory } }).exports;
const matmul = instance(modules.matmul).matmul;
const bernoulli = instance(modules.bernoulli).bernoulli_rows;
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
  const args = Array.from(control.subarray(${CONTROL.args}, ${CONTROL.length}));
  try {
    if (control[${CONTROL.job}] === ${JOB.product}) {
      const [a, b, c, bias, m, n, k, flags, block] = args;
      for (let row = 0; row < m; row += block) {
        matmul(a + 4 * row * k, b, c + 4 * row * n, bias, Math.min(block, m - row), n, k, flags);
      }
    } else {
      const [x, logits, dy, out, rows, xRows, rowBytes, gradient] = args;
      bernoulli(x, logits, dy, out, rows, xRows, rowBytes, gradient);
    }
    Atomics.store(control, ${CONTROL.status}, 0);
  } catch {
    Atomics.store(control, ${CONTROL.status}, 1);
  }
  Atomics.store(control, ${CONTROL.done}, request);
  Atomics.notify(control, ${CONTROL.done});
}
`;
