// Keeping long synchronous training interruptible: a macrotask every ~20 ms.

/** How long the loop may run before it lets timers, signals and the page run. */
export const YIELD_INTERVAL_MS = 20;

const now: () => number = typeof performance !== 'undefined' ? () => performance.now() : () => Date.now();

/**
 * Resolves on a macrotask (setImmediate in Node, a MessageChannel message in
 * browsers and workers, else setTimeout 0). A resolved promise would not do:
 * microtasks run before any timer, so a timer-fired AbortSignal never fires.
 */
export function macrotask(): Promise<void> {
  if (typeof setImmediate === 'function') return new Promise((resolve) => setImmediate(resolve));
  if (typeof MessageChannel === 'function') {
    return new Promise((resolve) => {
      const channel = new MessageChannel();
      channel.port1.onmessage = () => {
        channel.port1.close();
        resolve();
      };
      channel.port2.postMessage(null);
    });
  }
  return new Promise((resolve) => setTimeout(resolve, 0));
}

/** Yields to the event loop when `interval` ms have passed since the last yield; otherwise costs one clock read. */
export class Yielder {
  private last = now();
  constructor(private readonly interval = YIELD_INTERVAL_MS) {}

  async maybeYield(): Promise<void> {
    if (now() - this.last < this.interval) return;
    await macrotask();
    this.last = now();
  }
}
