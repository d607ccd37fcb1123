import type { FitCallbacks } from '@elbo/prob';
import type { ReportContext } from './context';

/** Callbacks that drive a progress bar (epoch, loss, ETA) through a `fit`. */
export function progressCallbacks(
  ctx: ReportContext,
  label: string,
  { epochs, examples, batchSize }: { epochs: number; examples: number; batchSize: number },
): { callbacks: FitCallbacks; done(summary: string): void } {
  const perEpoch = Math.ceil(examples / batchSize);
  const bar = ctx.progress(label, epochs * perEpoch);
  bar.update(0, { epoch: 1, epochs });
  let epoch = 0;
  let step = 0;
  const started = performance.now();
  return {
    callbacks: {
      onBatchEnd(_batch, logs) {
        step++;
        bar.update(step, { epoch: epoch + 1, epochs, ...(logs.loss !== undefined ? { loss: logs.loss } : {}) });
      },
      onEpochEnd(e) {
        epoch = e + 1;
      },
    },
    done(summary) {
      bar.stop();
      ctx.log(`  ${label}: ${summary} (${((performance.now() - started) / 1000).toFixed(1)} s)`);
    },
  };
}

/** The last entry of a history series, checked to be a finite number. */
export function last(series: readonly number[] | undefined, what: string): number {
  const v = series?.[series.length - 1];
  if (v === undefined || !Number.isFinite(v)) throw new Error(`${what}: expected a finite final value, got ${String(v)}`);
  return v;
}
