import { UsageError } from './errors';

/**
 * A commander argument parser for a positive integer flag that throws a
 * {@link UsageError} naming the command, the flag and what came.
 * @example
 * ```ts
 * const parseSize = positiveInteger('elbo train', '--size');
 * parseSize('32'); // 32
 * ```
 */
export function positiveInteger(command: string, flag: string): (value: string) => number {
  return (value) => {
    const n = Number(value);
    if (!/^\s*\d+\s*$/.test(value) || !Number.isSafeInteger(n) || n <= 0) {
      throw new UsageError(`${command}: ${flag} must be a positive integer, got ${JSON.stringify(value)}`);
    }
    return n;
  };
}

/**
 * A parser for a number flag within [min, max].
 * @example
 * ```ts
 * numberIn('elbo train', '--validation', 0, 0.9)('0.1'); // 0.1
 * ```
 */
export function numberIn(command: string, flag: string, min: number, max: number): (value: string) => number {
  return (value) => {
    const n = Number(value);
    if (value.trim() === '' || !Number.isFinite(n) || n < min || n > max) {
      throw new UsageError(`${command}: ${flag} must be a number from ${min} to ${max}, got ${JSON.stringify(value)}`);
    }
    return n;
  };
}

/**
 * A parser for a non-negative integer flag (a seed).
 * @example
 * ```ts
 * nonNegativeInteger('elbo sample', '--seed')('0'); // 0
 * ```
 */
export function nonNegativeInteger(command: string, flag: string): (value: string) => number {
  return (value) => {
    const n = Number(value);
    if (!/^\s*\d+\s*$/.test(value) || !Number.isSafeInteger(n)) {
      throw new UsageError(`${command}: ${flag} must be a non-negative integer, got ${JSON.stringify(value)}`);
    }
    return n;
  };
}

/**
 * A parser for a flag with a fixed set of values.
 * @example
 * ```ts
 * oneOf('elbo train', '--model', ['conv-vae', 'vae', 'ae', 'pca'])('vae'); // 'vae'
 * ```
 */
export function oneOf<T extends string>(command: string, flag: string, values: readonly T[]): (value: string) => T {
  return (value) => {
    if (!(values as readonly string[]).includes(value)) {
      throw new UsageError(`${command}: ${flag} must be one of ${values.join(', ')}, got ${JSON.stringify(value)}`);
    }
    return value as T;
  };
}
