import { describe, expect, it } from 'vitest';
import { decodeInOrder, type DecodeResult } from './image-decode-queue';

const sleep = (ms: number) => new Promise((done) => setTimeout(done, ms));

/** A fake decoder that takes a varying time, fails on the given indices, and counts how many run at once. */
function fakeDecoder(failing: number[] = []) {
  const state = { running: 0, maxRunning: 0, started: [] as number[] };
  const decode = async (index: number) => {
    state.started.push(index);
    state.running++;
    state.maxRunning = Math.max(state.maxRunning, state.running);
    await sleep((index * 7) % 5);
    state.running--;
    if (failing.includes(index)) throw new Error(`bad ${index}`);
    return Uint8Array.of(index);
  };
  return { state, decode };
}

describe('decodeInOrder', () => {
  it('yields every index in the given order, failures included, within its concurrency', async () => {
    const { state, decode } = fakeDecoder([3, 7]);
    const order = [9, 3, 0, 7, 1, 8, 2, 6, 4, 5];
    const results: DecodeResult[] = [];
    for await (const result of decodeInOrder(order, decode, { readAhead: 6, concurrency: 3 })) results.push(result);
    expect(results.map((r) => r.index)).toEqual(order);
    for (const r of results) {
      if ([3, 7].includes(r.index)) expect((r.error as Error).message).toBe(`bad ${r.index}`);
      else expect(Array.from(r.bytes!)).toEqual([r.index]);
    }
    expect(state.maxRunning).toBe(3);
  });

  it('never starts more than readAhead files beyond the one the consumer holds', async () => {
    const { state, decode } = fakeDecoder();
    const order = Array.from({ length: 40 }, (_, i) => i);
    let taken = 0;
    for await (const result of decodeInOrder(order, decode, { readAhead: 4, concurrency: 2 })) {
      expect(result.index).toBe(taken);
      taken++;
      await sleep(3); // a slow consumer: decoding must wait for it
      expect(state.started.length).toBeLessThanOrEqual(taken + 4);
    }
    expect(taken).toBe(40);
  });

  it('stopping early waits for the decodes in flight and starts no more', async () => {
    const { state, decode } = fakeDecoder([5, 6, 7]);
    const order = Array.from({ length: 50 }, (_, i) => i);
    for await (const result of decodeInOrder(order, decode, { readAhead: 8, concurrency: 4 })) {
      if (result.index === 2) break;
    }
    expect(state.running).toBe(0); // nothing left running that could fail later
    const startedAtStop = state.started.length;
    expect(startedAtStop).toBeLessThanOrEqual(3 + 8);
    await sleep(20);
    expect(state.started.length).toBe(startedAtStop);
  });
});
