import cliProgress from 'cli-progress';

/** Progress of one training run. */
export interface Progress {
  /** Moves the bar to `value` (steps done) and shows the latest figures. */
  update(value: number, payload?: { epoch?: number; epochs?: number; loss?: number }): void;
  stop(): void;
}

const NONE: Progress = { update() {}, stop() {} };

/**
 * A terminal progress bar with epoch, loss and ETA (cli-progress), or a no-op
 * when `enabled` is false (--quiet, or stdout is not a terminal).
 */
export function createProgress(label: string, total: number, enabled: boolean): Progress {
  if (!enabled) return NONE;
  const bar = new cliProgress.SingleBar(
    {
      format: `  ${label.padEnd(22)} {bar} {percentage}% | epoch {epoch}/{epochs} | loss {loss} | ETA {eta_formatted}`,
      barsize: 24,
      hideCursor: true,
      clearOnComplete: false,
      etaBuffer: 30,
    },
    cliProgress.Presets.shades_classic,
  );
  bar.start(total, 0, { epoch: 0, epochs: '?', loss: '…' });
  return {
    update(value, payload = {}) {
      bar.update(value, {
        ...(payload.epoch !== undefined ? { epoch: payload.epoch } : {}),
        ...(payload.epochs !== undefined ? { epochs: payload.epochs } : {}),
        ...(payload.loss !== undefined ? { loss: payload.loss.toFixed(2) } : {}),
      });
    },
    stop() {
      bar.stop();
    },
  };
}
