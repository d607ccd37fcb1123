/** One file of a {@link decodeInOrder} run: its bytes, or why it failed. */
export type DecodeResult = { index: number; bytes: Uint8Array; error?: undefined } | { index: number; bytes?: undefined; error: unknown };

/** How far {@link decodeInOrder} runs ahead of its consumer. */
export interface DecodeQueueOptions {
  /** At most this many files decoded or decoding but not yet taken: bounds memory. */
  readAhead: number;
  /** At most this many files read and decoded at the same time. */
  concurrency: number;
}

/**
 * Decodes the files `order` names, in that order, a few at a time and a
 * bounded distance ahead of the consumer, so decoding overlaps training but
 * an epoch's images are never all in memory. A failure is yielded, not
 * thrown, so the consumer decides whether to skip it. Stopping early (break,
 * throw) waits for the decodes in flight, so none finishes or fails later.
 * @example
 * ```ts
 * for await (const { index, bytes, error } of decodeInOrder(order, decode, { readAhead: 128, concurrency: 4 })) {
 *   // bytes of file `index`, or the error it gave
 * }
 * ```
 */
export async function* decodeInOrder(
  order: ArrayLike<number>,
  decode: (index: number) => Promise<Uint8Array>,
  { readAhead, concurrency }: DecodeQueueOptions,
): AsyncGenerator<DecodeResult> {
  let stopped = false;
  let active = 0;
  const waiting: (() => void)[] = [];
  const acquire = () => (active < concurrency ? (active++, Promise.resolve()) : new Promise<void>((go) => waiting.push(go)));
  const release = () => {
    const next = waiting.shift();
    if (next) next();
    else active--;
  };
  const run = async (index: number): Promise<DecodeResult> => {
    await acquire();
    try {
      if (stopped) return { index, error: new Error('stopped') };
      return { index, bytes: await decode(index) };
    } catch (error) {
      return { index, error };
    } finally {
      release();
    }
  };
  const pending: Promise<DecodeResult>[] = [];
  let started = 0;
  const fill = () => {
    while (started < order.length && pending.length < readAhead) pending.push(run(order[started++]!));
  };
  try {
    fill();
    while (pending.length > 0) {
      const result = await pending.shift()!;
      fill();
      yield result;
    }
  } finally {
    stopped = true;
    await Promise.all(pending);
  }
}
