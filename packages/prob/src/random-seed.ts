/**
 * The seed to hand to tfjs' random ops (`tf.randomNormal`, `tf.randomUniform`):
 * they test the seed for truthiness, so a seed of 0 silently means "no seed"
 * and every call draws fresh numbers. Passing 0 as the string `'0'` gives the
 * stream 0 would name (tfjs seeds its generator with `seed.toString()`), so 0
 * is a seed like any other; `undefined` stays unseeded.
 *
 * @example
 * ```ts
 * tf.randomNormal([2], 0, 1, 'float32', tfjsSeed(0)); // the same two numbers on every call
 * ```
 */
export function tfjsSeed(seed: number | undefined): number | undefined {
  // tfjs declares the seed a number but reads it through toString(); the string is deliberate.
  return seed === 0 ? ('0' as unknown as number) : seed;
}
