import cliProgress from 'cli-progress';

/** Progress of one long job, on stderr. */
export interface Progress {
  /** `done` steps of the total, with the latest figures. */
  update(done: number, payload?: { epoch?: number; loss?: number }): void;
  /** A finished epoch (a plain line when stderr is not a terminal). */
  epoch(epoch: number, epochs: number, logs: Record<string, number>, seconds: number): void;
  /** A plain message line. */
  log(line: string): void;
  stop(): void;
}

/**
 * A cli-progress bar with an ETA when stderr is a terminal; one line per epoch
 * otherwise (logs, CI); nothing with `quiet`.
 * @example
 * ```ts
 * const progress = createProgress({ label: 'training', total: 100, epochs: 2, quiet: false });
 * progress.update(50, { epoch: 1, loss: 12.3 });
 * progress.stop();
 * ```
 */
export function createProgress(options: { label: string; total: number; epochs: number; quiet: boolean }): Progress {
  const { quiet } = options;
  const stream = process.stderr;
  const tty = stream.isTTY === true && !quiet;
  const bar = tty
    ? new cliProgress.SingleBar(
        {
          format: `${options.label} {bar} {percentage}% | epoch {epoch}/${options.epochs} | loss {loss} | ETA {eta_formatted}`,
          barsize: 24,
          hideCursor: true,
          etaBuffer: 50,
          stream,
        },
        cliProgress.Presets.shades_classic,
      )
    : null;
  bar?.start(options.total, 0, { epoch: 1, loss: '…' });
  const started = Date.now();
  return {
    update(done, payload = {}) {
      bar?.update(done, {
        ...(payload.epoch !== undefined ? { epoch: payload.epoch } : {}),
        ...(payload.loss !== undefined ? { loss: payload.loss.toFixed(2) } : {}),
      });
    },
    epoch(epoch, epochs, logs, seconds) {
      if (quiet || tty) return;
      const figures = Object.entries(logs)
        .filter(([key]) => /loss|reconstruction|kl$/i.test(key))
        .map(([key, value]) => `${key} ${value.toFixed(3)}`)
        .join(', ');
      const left = ((Date.now() - started) / 1000 / (epoch + 1)) * (epochs - epoch - 1);
      stream.write(`epoch ${epoch + 1}/${epochs}: ${figures} (${seconds.toFixed(1)} s; ETA ${left.toFixed(0)} s)\n`);
    },
    log(line) {
      if (quiet) return;
      if (bar) bar.stop();
      stream.write(line + '\n');
    },
    stop() {
      bar?.stop();
    },
  };
}
