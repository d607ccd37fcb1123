// Times a fit by its callbacks, the same way in Node (epochs-child.mjs) and in the browser
// (examples/web-explorer/bench/epochs-page.ts): seconds per epoch and milliseconds per step. Uses only
// `performance.now()`, so it bundles for a page.

/**
 * `callbacks` to pass to `fit`; `epochSeconds` and `stepMs` fill as it runs. The loss is read back every
 * step (fit's logs), so each stamp follows a finished step. Start it just before `fit`.
 * @returns {{ callbacks: { onBatchEnd: () => void, onEpochEnd: () => void }, epochSeconds: number[], stepMs: number[] }}
 */
export function epochTimer() {
  const epochSeconds = [];
  const stepMs = [];
  let lastEpoch = performance.now();
  let lastStep = lastEpoch;
  const callbacks = {
    onBatchEnd: () => {
      const now = performance.now();
      stepMs.push(now - lastStep);
      lastStep = now;
    },
    onEpochEnd: () => {
      const now = performance.now();
      epochSeconds.push((now - lastEpoch) / 1000);
      lastEpoch = lastStep = now;
    },
  };
  return { callbacks, epochSeconds, stepMs };
}
