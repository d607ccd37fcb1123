// Internal: turning user input into float32 tensors, with the argument named in errors.
import * as tf from '@tensorflow/tfjs-core';

/** What a public function accepts where it needs a tensor. */
export type TensorInput = tf.Tensor | tf.TensorLike;

/**
 * `x` as a float32 tensor. A float32 tensor comes back as is (same object);
 * anything else is a new tensor, so call this inside `tf.tidy`.
 */
export function toFloat(x: TensorInput, name: string, where: string): tf.Tensor {
  if (x instanceof tf.Tensor) {
    if (x.dtype === 'string') throw new TypeError(`${where}: ${name} must be a numeric tensor, got ${describeValue(x)}`);
    return x.dtype === 'float32' ? x : tf.cast(x, 'float32');
  }
  if (x == null || (typeof x !== 'number' && typeof x !== 'boolean' && typeof x !== 'object')) {
    throw new TypeError(`${where}: ${name} must be a tensor, a number or a (nested) array of numbers, got ${describeValue(x)}`);
  }
  try {
    return tf.tensor((Array.isArray(x) ? withPlainRows(x) : x) as tf.TensorLike, undefined, 'float32');
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new TypeError(`${where}: ${name} could not be made into a tensor (${reason})`);
  }
}

/**
 * `x` with any typed array nested in it copied to a plain array: tfjs infers
 * the shape of nested arrays from their first element and recognises only
 * some typed arrays there (an array of Float64Array rows would be misread).
 * `x` itself when it holds none (no copy).
 */
function withPlainRows(x: unknown[]): unknown[] {
  if (typeof x[0] === 'number') return x; // a row of numbers: nothing nested to copy
  let copy: unknown[] | null = null;
  x.forEach((v, i) => {
    const plain =
      ArrayBuffer.isView(v) && !(v instanceof DataView)
        ? Array.from(v as unknown as ArrayLike<number>)
        : Array.isArray(v)
          ? withPlainRows(v)
          : v;
    if (plain !== v) (copy ??= [...x])[i] = plain;
  });
  return copy ?? x;
}

/** The broadcast of two shapes under tfjs (numpy) rules, or an error naming both. */
export function broadcastShape(a: readonly number[], b: readonly number[], what: string): number[] {
  try {
    return tf.broadcast_util.assertAndGetBroadcastShape([...a], [...b]);
  } catch {
    throw new Error(`${what}: shapes [${a.join(', ')}] and [${b.join(', ')}] do not broadcast`);
  }
}

/**
 * How error messages describe a value that came: the one describer of every
 * elbo package, so a message reads the same wherever it is thrown.
 *
 * ```
 * tensor -> "a float32 tensor of shape [2, 3]"     array -> "an array of length 4"
 * typed array -> "a Float32Array of length 9"      number -> "number NaN"
 * string -> 'string "relu "'                       object -> "an object" / "a Map"
 * ```
 * @example
 * ```ts
 * throw new TypeError(`fit: data must be a tensor, got ${describeValue(data)}`);
 * ```
 */
export function describeValue(x: unknown): string {
  if (x instanceof tf.Tensor) return x.isDisposed ? 'a disposed tensor' : `a ${x.dtype} tensor of shape [${x.shape.join(', ')}]`;
  if (x === null || x === undefined) return String(x);
  if (Array.isArray(x)) return `an array of length ${x.length}`;
  if (ArrayBuffer.isView(x)) {
    const length = (x as unknown as { length?: number }).length ?? x.byteLength;
    return `a ${x.constructor.name} of length ${length}`;
  }
  if (typeof x === 'string') return `string ${JSON.stringify(x.length > 40 ? `${x.slice(0, 40)}...` : x)}`;
  if (typeof x === 'function') return 'a function';
  if (typeof x === 'object') {
    const name = (x as { constructor?: { name?: string } }).constructor?.name;
    return name == null || name === '' || name === 'Object' ? 'an object' : `a ${name}`;
  }
  return `${typeof x} ${String(x)}`;
}

/**
 * What {@link toFloatTensor} checks besides convertibility; each check names
 * the argument and the caller when it fails.
 * @example
 * ```ts
 * const expect: TensorExpectation = { rank: 2, lastDim: 784, minRows: 1, finite: true };
 * ```
 */
export interface TensorExpectation {
  /** Allowed ranks, e.g. `2` or `[1, 2]`. */
  rank?: number | readonly number[];
  /** Required size of the last axis (the features, or the channels of an image). */
  lastDim?: number;
  /** Required shape after the first axis (e.g. `[28, 28, 1]`); `null` entries match any size. */
  itemShape?: readonly (number | null)[];
  /** Required minimum size of the first axis. */
  minRows?: number;
  /** Every entry must be finite (one reduction and one read). */
  finite?: boolean;
}

/**
 * The one input converter of elbo: `x` as a float32 tensor, with the
 * argument's name and the caller in every error, in the spirit of tfjs'
 * `convertToTensor(x, 'x', 'op')`. A float32 tensor comes back as is (same
 * object); anything else becomes a new tensor that the caller disposes (or
 * call it inside `tf.tidy`). Nothing is left allocated when it throws.
 *
 * @param x - a tensor, a number, or a (nested) array or typed array of numbers.
 * @param name - the argument's name, e.g. `'x'` or `'validationData'`.
 * @param caller - the public function, e.g. `'VAE.encode'`.
 * @param expect - see {@link TensorExpectation}.
 * @example
 * ```ts
 * const t = toFloatTensor(x, 'x', 'PCA.transform', { rank: 2, lastDim: 784, finite: true });
 * try { ... } finally { if (t !== x) t.dispose(); }
 * ```
 */
export function toFloatTensor(x: TensorInput, name: string, caller: string, expect: TensorExpectation = {}): tf.Tensor {
  if (x instanceof tf.Tensor && x.isDisposed) throw new Error(`${caller}: ${name} is a disposed tensor`);
  const t = toFloat(x, name, caller);
  const fail = (message: string): never => {
    if (t !== x) t.dispose();
    throw new Error(`${caller}: ${name} ${message}`);
  };
  const shape = `[${t.shape.join(', ')}]`;
  const ranks = expect.rank == null ? null : typeof expect.rank === 'number' ? [expect.rank] : expect.rank;
  if (ranks != null && !ranks.includes(t.rank)) fail(`must have rank ${ranks.join(' or ')}, got shape ${shape}`);
  if (expect.lastDim != null && t.shape[t.rank - 1] !== expect.lastDim) {
    fail(`must have ${expect.lastDim} values on its last axis, got shape ${shape}`);
  }
  const item = expect.itemShape;
  if (item != null && (t.rank !== item.length + 1 || item.some((d, i) => d != null && t.shape[i + 1] !== d))) {
    fail(`must have shape [n, ${item.map((d) => d ?? '*').join(', ')}], got ${shape}`);
  }
  if (expect.minRows != null && (t.rank === 0 || t.shape[0]! < expect.minRows))
    fail(`must have at least ${expect.minRows} rows, got shape ${shape}`);
  if (expect.finite === true) {
    const finite = tf.tidy(() => tf.all(tf.isFinite(t)).dataSync()[0] === 1);
    if (!finite) {
      const data = t.dataSync();
      const i = data.findIndex((v) => !Number.isFinite(v));
      const index = tf.util.indexToLoc(i, t.rank, tf.util.computeStrides(t.shape));
      fail(`must be finite, got ${data[i]} at index [${index.join(', ')}]`);
    }
  }
  return t;
}

/** `shape` as a list of sample dimensions: a number `n` means `[n]`. */
export function toSampleShape(shape: number | readonly number[] | undefined, where: string): number[] {
  const dims = shape == null ? [] : typeof shape === 'number' ? [shape] : [...shape];
  dims.forEach((d, i) => {
    if (!Number.isInteger(d) || d < 0) {
      throw new Error(`${where}: sample shape must hold non-negative integers, got ${d} at index ${i}`);
    }
  });
  return dims;
}

/** Gradient stops here: the value of `x`, with zero gradient to its inputs. */
export function stopGradient(x: tf.Tensor): tf.Tensor {
  return stopGradientOp(x);
}

const stopGradientOp = tf.customGrad(((x: tf.Tensor) => ({
  value: tf.clone(x),
  gradFunc: (dy: tf.Tensor) => tf.zerosLike(dy),
})) as never) as unknown as (x: tf.Tensor) => tf.Tensor;

/**
 * A boolean mask made by `f` from `inputs`, off the gradient tape: tfjs has no
 * gradients for comparisons (Greater, Less, Equal, LogicalAnd), and a mask on
 * the path from a variable to the loss would otherwise break `tf.grad`.
 */
export function mask(f: (...xs: tf.Tensor[]) => tf.Tensor, ...inputs: tf.Tensor[]): tf.Tensor {
  const op = tf.customGrad((...args: unknown[]) => {
    const xs = args.slice(0, inputs.length) as tf.Tensor[];
    return { value: f(...xs), gradFunc: () => xs.map((x) => tf.zerosLike(x)) };
  }) as (...xs: tf.Tensor[]) => tf.Tensor;
  return op(...inputs);
}
