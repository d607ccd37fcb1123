// Internal: plain probability vectors for the information-theory functions.
import * as tf from '@tensorflow/tfjs-core';
import { describeValue } from './convert';

/** A probability (vector): a number, an array, a typed array or a tensor. */
export type ProbabilityInput = number | readonly number[] | Float32Array | Float64Array | tf.Tensor;

/** Options shared by the information measures. */
export interface InformationOptions {
  /** Logarithm base: e (nats, the default), 2 for bits, 10 for hartleys. */
  base?: number;
  /** How far the entries may sum from 1; default 1e-5 (float32 tensors carry about 1e-7 per entry). */
  tolerance?: number;
}

/** Plain numbers from a probability input (flattened), each checked to be a probability. */
export function probabilities(x: ProbabilityInput, name: string, where: string, sumToOne: boolean, tolerance = 1e-5): number[] {
  let values: number[];
  if (typeof x === 'number') values = [x];
  else if (x instanceof tf.Tensor) values = Array.from(x.dataSync());
  else if (Array.isArray(x) || ArrayBuffer.isView(x)) values = Array.from(x as ArrayLike<number>);
  else throw new TypeError(`${where}: ${name} must be a number, an array of numbers or a tensor, got ${describeValue(x)}`);
  if (values.length === 0) throw new Error(`${where}: ${name} is empty`);
  values.forEach((v, i) => {
    if (typeof v !== 'number' || Number.isNaN(v) || v < 0 || v > 1) {
      throw new Error(`${where}: ${name} must hold probabilities in [0, 1], got ${v} at index ${i}`);
    }
  });
  if (sumToOne) {
    const sum = values.reduce((a, b) => a + b, 0);
    if (!(Math.abs(sum - 1) <= tolerance)) {
      throw new Error(`${where}: ${name} must sum to 1 (within ${tolerance}), got sum ${sum}`);
    }
  }
  return values;
}

/** Two distributions over the same outcomes. */
export function pair(p: ProbabilityInput, q: ProbabilityInput, where: string, tolerance?: number): [number[], number[]] {
  const ps = probabilities(p, 'p', where, true, tolerance);
  const qs = probabilities(q, 'q', where, true, tolerance);
  if (ps.length !== qs.length) throw new Error(`${where}: p and q must have the same length, got ${ps.length} and ${qs.length}`);
  return [ps, qs];
}

/** 1 / log(base), checking the base. */
export function unit(where: string, base = Math.E): number {
  if (typeof base !== 'number' || !Number.isFinite(base) || base <= 0 || base === 1) {
    throw new Error(`${where}: base must be a finite number > 0 other than 1, got ${base}`);
  }
  return 1 / Math.log(base);
}

/** x log(x / y) with the conventions 0 log(0 / y) = 0 and x log(x / 0) = Infinity for x > 0. */
export function xlogxOverY(x: number, y: number): number {
  if (x === 0) return 0;
  if (y === 0) return Infinity;
  return x * Math.log(x / y);
}
