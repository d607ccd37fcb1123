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

/**
 * A parser for a colour flag, `#rgb` or `#rrggbb`, to `[r, g, b]` in 0-255.
 * @example
 * ```ts
 * hexColour('elbo train', '--background')('#000'); // [0, 0, 0]
 * ```
 */
export function hexColour(command: string, flag: string): (value: string) => [number, number, number] {
  return (value) => {
    const hex = /^#([0-9a-f]{3}|[0-9a-f]{6})$/i.exec(value.trim())?.[1];
    if (hex == null) throw new UsageError(`${command}: ${flag} must be a colour '#rgb' or '#rrggbb', got ${JSON.stringify(value)}`);
    const full = hex.length === 3 ? [...hex].map((c) => c + c).join('') : hex;
    return [0, 2, 4].map((i) => parseInt(full.slice(i, i + 2), 16)) as [number, number, number];
  };
}
