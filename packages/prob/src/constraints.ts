import * as tf from '@tensorflow/tfjs-core';

/**
 * A set of allowed values, as torch.distributions' constraints: `check`
 * returns a boolean mask of the elements (or, for event constraints such as
 * `simplex`, of the events) that are inside.
 */
export interface Constraint {
  /** How messages describe it: "positive (> 0)". */
  readonly name: string;
  /** Elementwise (or per-event) membership; call inside `tf.tidy`. */
  check(x: tf.Tensor): tf.Tensor;
  /**
   * Optional fast test of the whole tensor by reductions (a boolean scalar):
   * true must mean every element is inside; false sends the check to `check`.
   */
  holds?(x: tf.Tensor): tf.Tensor;
}

const simplexTolerance = () => Math.max(1e-5, 100 * tf.backend().epsilon());

/**
 * The constraints that distribution parameters and supports are declared with.
 *
 * @example
 * ```ts
 * constraints.positive.name; // "positive (> 0)"
 * ```
 */
export const constraints = {
  /** Any real number, infinities included; NaN is outside. */
  real: {
    name: 'real (not NaN)',
    check: (x: tf.Tensor) => tf.logicalNot(tf.isNaN(x)),
    // A sum is NaN when an element is (or when +Infinity meets -Infinity: then `check` decides).
    holds: (x: tf.Tensor) => tf.logicalNot(tf.isNaN(tf.sum(x))),
  } as Constraint,
  /** x > 0. */
  positive: {
    name: 'positive (> 0)',
    check: (x: tf.Tensor) => tf.greater(x, 0),
    holds: (x: tf.Tensor) => tf.greater(tf.min(x), 0),
  } as Constraint,
  /** 0 <= x <= 1. */
  unitInterval: {
    name: 'in the unit interval [0, 1]',
    check: (x: tf.Tensor) => tf.logicalAnd(tf.greaterEqual(x, 0), tf.lessEqual(x, 1)),
    holds: (x: tf.Tensor) => tf.logicalAnd(tf.greaterEqual(tf.min(x), 0), tf.lessEqual(tf.max(x), 1)),
  } as Constraint,
  /** Non-negative entries along the last axis that sum to 1 (within max(1e-5, 100 eps)). */
  simplex: {
    name: 'a probability vector along the last axis (entries >= 0, summing to 1)',
    check: (x: tf.Tensor) =>
      tf.logicalAnd(tf.all(tf.greaterEqual(x, 0), -1), tf.lessEqual(tf.abs(tf.sub(tf.sum(x, -1), 1)), simplexTolerance())),
  } as Constraint,
  /** Integers in {low, ..., high}. */
  integerInterval(low: number, high: number): Constraint {
    return {
      name: `an integer in {${low}, ..., ${high}}`,
      check: (x) => tf.logicalAnd(tf.equal(x, tf.round(x)), tf.logicalAnd(tf.greaterEqual(x, low), tf.lessEqual(x, high))),
    };
  },
  /** low <= x <= high, elementwise with broadcasting (low and high may be tensors). */
  interval(low: tf.Tensor, high: tf.Tensor, name = 'in [low, high]'): Constraint {
    return { name, check: (x) => tf.logicalAnd(tf.greaterEqual(x, low), tf.lessEqual(x, high)) };
  },
} as const;

/**
 * Throws unless every element (or event) of `x` satisfies `constraint`; the
 * message names the owner, the argument, its shape, the constraint and the
 * first offending value with its index. Reads one boolean from the device
 * when all is well.
 */
export function checkConstraint(where: string, name: string, x: tf.Tensor, constraint: Constraint): void {
  if (x.size === 0) return;
  const allOk = tf.tidy(() => (constraint.holds != null ? constraint.holds(x) : tf.all(constraint.check(x))));
  const ok = allOk.dataSync()[0] === 1;
  allOk.dispose();
  if (ok) return;
  const found = { index: '', value: '' };
  tf.tidy(() => {
    const m = constraint.check(x);
    const bad = m.dataSync().findIndex((f) => f === 0);
    if (bad < 0) return;
    const perEvent = m.rank < x.rank;
    const shown = perEvent ? tf.reshape(x, [-1, x.shape[x.rank - 1] ?? 1]) : tf.broadcastTo(x, m.shape);
    const row = perEvent ? Array.from(tf.gather(shown, [bad]).dataSync()) : shown.dataSync()[bad]!;
    found.index = unravel(bad, m.shape);
    found.value = Array.isArray(row) ? `[${row.map(show).join(', ')}]` : show(row);
  });
  if (found.index === '') return; // the fast test was fooled (e.g. Infinity + -Infinity); no element is outside
  const { index, value } = found;
  throw new Error(
    `${where}: ${name} must be ${constraint.name}, got ${value} at index ${index} (${name} has shape [${x.shape.join(', ')}])`,
  );
}

/** A float32 value as people typed it: 0.6, not 0.6000000238418579. */
function show(v: number): string {
  return Number.isInteger(v) || !Number.isFinite(v) ? String(v) : String(Number(v.toPrecision(7)));
}

function unravel(flat: number, shape: number[]): string {
  if (shape.length <= 1) return String(flat);
  const out: number[] = [];
  for (let d = shape.length - 1; d >= 0; d--) {
    out.unshift(flat % shape[d]!);
    flat = Math.floor(flat / shape[d]!);
  }
  return `[${out.join(', ')}]`;
}

const VALIDATE_KEY = Symbol.for('elbo.prob.validateArgs');
type WithFlag = { [VALIDATE_KEY]?: boolean };

/**
 * Turns argument validation of every distribution made afterwards on or off
 * (default on). Validation reads a flag back from the device in constructors
 * and `logProb`/`cdf`; switch it off in hot loops once the code is right, or
 * per instance with `{ validateArgs: false }`.
 *
 * @example
 * ```ts
 * setValidateArgs(false); // e.g. in production training
 * ```
 */
export function setValidateArgs(on: boolean): void {
  if (typeof on !== 'boolean') throw new TypeError(`setValidateArgs: on must be a boolean, got ${typeof on}`);
  (globalThis as WithFlag)[VALIDATE_KEY] = on;
}

/**
 * Whether new distributions validate their arguments by default (true unless
 * {@link setValidateArgs}(false) was called).
 *
 * @example
 * ```ts
 * getValidateArgs(); // true
 * ```
 */
export function getValidateArgs(): boolean {
  return (globalThis as WithFlag)[VALIDATE_KEY] ?? true;
}
