// Internal: turning user input into float32 tensors, with the argument named in errors.
import * as tf from '@tensorflow/tfjs-core';

/** What a public function accepts where it needs a tensor. */
export type TensorInput = tf.Tensor | tf.TensorLike;

/**
 * `x` as a float32 tensor. A float32 tensor comes back as is (same object);
 * anything else is a new tensor, so call this inside `tf.tidy`.
 */
export function toFloat(x: TensorInput, name: string, where: string): tf.Tensor {
  if (x instanceof tf.Tensor) return x.dtype === 'float32' ? x : tf.cast(x, 'float32');
  if (x == null || (typeof x !== 'number' && typeof x !== 'boolean' && typeof x !== 'object')) {
    throw new TypeError(`${where}: ${name} must be a tensor, a number or a (nested) array of numbers, got ${describe(x)}`);
  }
  try {
    return tf.tensor(x as tf.TensorLike, undefined, 'float32');
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new TypeError(`${where}: ${name} could not be made into a tensor (${reason})`);
  }
}

/** The broadcast of two shapes under tfjs (numpy) rules, or an error naming both. */
export function broadcastShape(a: readonly number[], b: readonly number[], what: string): number[] {
  try {
    return tf.broadcast_util.assertAndGetBroadcastShape([...a], [...b]);
  } catch {
    throw new Error(`${what}: shapes [${a.join(', ')}] and [${b.join(', ')}] do not broadcast`);
  }
}

/** A short description of a value for error messages. */
export function describe(x: unknown): string {
  if (x instanceof tf.Tensor) return `a ${x.dtype} tensor of shape [${x.shape.join(', ')}]`;
  if (Array.isArray(x)) return `an array of length ${x.length}`;
  if (x === null) return 'null';
  return typeof x === 'object' ? 'an object' : `${typeof x} ${String(x)}`;
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
