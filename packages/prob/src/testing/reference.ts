// Test-only helpers (never exported): the oracle file and a record of the
// largest relative error seen against it, printed after each test file.
import * as tf from '@tensorflow/tfjs-core';
import { afterAll } from 'vitest';
import { backendTolerance, expectClose, loadReference } from '../../../../tooling/testing';

/** prob.json with "Infinity" / "-Infinity" strings turned into numbers. */
export const ref: any = revive(loadReference('prob'));

function revive(v: unknown): unknown {
  if (v === 'Infinity') return Infinity;
  if (v === '-Infinity') return -Infinity;
  if (Array.isArray(v)) return v.map(revive);
  if (v != null && typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, revive(x)]));
  return v;
}

let worst = { rel: 0, label: '' };

/**
 * expectClose against a reference value with rtol from the backend precision,
 * recording the largest relative error (values whose magnitude is below atol
 * are judged by atol alone and not counted).
 */
export function expectRef(
  label: string,
  actual: tf.Tensor | number | ArrayLike<number>,
  expected: number | ArrayLike<number>,
  { rtol = backendTolerance(), atol = 0 }: { rtol?: number; atol?: number } = {},
): void {
  const a = actual instanceof tf.Tensor ? Array.from(actual.dataSync()) : typeof actual === 'number' ? [actual] : Array.from(actual);
  const e = typeof expected === 'number' ? a.map(() => expected) : Array.from(expected);
  a.forEach((ai, i) => {
    const ei = e[i]!;
    if (Number.isFinite(ei) && Math.abs(ei) > Math.max(atol, 1e-30)) {
      const rel = Math.abs(ai - ei) / Math.abs(ei);
      if (rel > worst.rel) worst = { rel, label: `${label}[${i}] expected ${ei} got ${ai}` };
    }
  });
  try {
    expectClose(a, e, { rtol, atol });
  } catch (error) {
    throw new Error(`${label}: ${(error as Error).message}`);
  }
}

afterAll(() => {
  if (worst.rel > 0) {
    console.log(`[reference] ${process.env.ELBO_TEST_BACKEND}: largest relative error ${worst.rel.toExponential(2)} at ${worst.label}`);
  }
});
