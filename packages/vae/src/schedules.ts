// KL annealing: beta as a function of the training step.
import { checkNonNegative } from './settings';

/** A KL-weight schedule: the beta of the step (0-based, counted over all epochs). */
export type BetaSchedule = (step: number) => number;

/** Options of {@link linearWarmup}. */
export interface LinearWarmupOptions {
  /** Steps to go from `from` to `to`. */
  steps: number;
  /** Beta at step 0. Default 0. */
  from?: number;
  /** Beta from step `steps` on. Default 1. */
  to?: number;
}

/**
 * KL warm-up (Bowman et al. 2016; Sønderby et al. 2016): beta rises linearly, then stays.
 *
 * ```
 * beta(t) = from + (to - from) * min(1, t / steps)
 * ```
 *
 * @example
 * ```ts
 * const beta = linearWarmup({ steps: 1000 }); // beta(0) = 0, beta(500) = 0.5, beta(2000) = 1
 * ```
 */
export function linearWarmup({ steps, from = 0, to = 1 }: LinearWarmupOptions): BetaSchedule {
  checkPositiveInteger('linearWarmup', 'steps', steps);
  checkNonNegative(from, 'from', 'linearWarmup');
  checkNonNegative(to, 'to', 'linearWarmup');
  return (t) => from + (to - from) * Math.min(1, Math.max(0, t) / steps);
}

/** Options of {@link cyclicalAnnealing}. */
export interface CyclicalAnnealingOptions {
  /** Steps per cycle. */
  period: number;
  /** Fraction of each cycle spent rising from 0 to `to` (the rest stays at `to`). Default 0.5. */
  ratio?: number;
  /** Largest beta. Default 1. */
  to?: number;
  /** Number of cycles; afterwards beta stays at `to`. Default: cycles forever. */
  cycles?: number;
}

/**
 * Cyclical KL annealing (Fu et al. 2019): beta rises linearly from 0 to `to`
 * over the first `ratio` of every cycle, holds there for the rest, and
 * restarts at 0 with the next cycle.
 *
 * ```
 * tau = (t mod period) / period;   beta(t) = to * min(1, tau / ratio)
 * ```
 *
 * @example
 * ```ts
 * const beta = cyclicalAnnealing({ period: 100, ratio: 0.5 }); // beta(25) = 0.5, beta(60) = 1, beta(100) = 0
 * ```
 */
export function cyclicalAnnealing({ period, ratio = 0.5, to = 1, cycles }: CyclicalAnnealingOptions): BetaSchedule {
  checkPositiveInteger('cyclicalAnnealing', 'period', period);
  if (!(ratio > 0 && ratio <= 1)) throw new Error(`cyclicalAnnealing: ratio must be in (0, 1], got ${ratio}`);
  checkNonNegative(to, 'to', 'cyclicalAnnealing');
  if (cycles != null) checkPositiveInteger('cyclicalAnnealing', 'cycles', cycles);
  return (t) => {
    const step = Math.max(0, t);
    if (cycles != null && step >= cycles * period) return to;
    const tau = (step % period) / period;
    return to * Math.min(1, tau / ratio);
  };
}

function checkPositiveInteger(where: string, name: string, v: number): void {
  if (!Number.isInteger(v) || v < 1) throw new Error(`${where}: ${name} must be an integer >= 1, got ${v}`);
}
