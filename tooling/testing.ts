// Test helpers shared by every package's tests (never published).
import { existsSync, readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as tf from '@tensorflow/tfjs-core';
import { expect } from 'vitest';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');

/** Folder with the oracle values: ELBO_REFERENCE_DIR, else ../shared/reference beside the checkout. */
export function referenceDir(): string {
  const dir = process.env.ELBO_REFERENCE_DIR ?? resolve(root, '..', 'shared', 'reference');
  if (!existsSync(dir)) {
    throw new Error(`reference values not found at ${dir}: set ELBO_REFERENCE_DIR or put shared/ beside the checkout`);
  }
  return dir;
}

/** Parsed `<name>.json` from the reference folder (e.g. `loadReference('prob')`). */
export function loadReference<T = any>(name: string): T {
  return JSON.parse(readFileSync(resolve(referenceDir(), `${name}.json`), 'utf8')) as T;
}

/** The active backend's float epsilon-based test tolerance, as tfjs' own `testEpsilon()`: 1e-3 (float32) or 1e-1 (float16). */
export function backendTolerance(): number {
  return tf.backend().floatPrecision() === 32 ? 1e-3 : 1e-1;
}

/** Machine epsilon of the active backend's floats (2^-23 for float32). */
export function floatEpsilon(): number {
  return tf.backend().floatPrecision() === 32 ? 2 ** -23 : 2 ** -10;
}

/**
 * Asserts |actual - expected| <= atol + rtol * |expected| elementwise, with the
 * index and both values in the message. Infinities must match exactly; NaN
 * never matches.
 */
export function expectClose(
  actual: number | ArrayLike<number> | tf.Tensor,
  expected: number | ArrayLike<number>,
  { rtol = 1e-5, atol = 0 }: { rtol?: number; atol?: number } = {},
): void {
  const a = toArray(actual);
  const e = typeof expected === 'number' ? Array.from({ length: a.length }, () => expected) : Array.from(expected);
  expect(a.length, 'length').toBe(e.length);
  for (let i = 0; i < a.length; i++) {
    const ai = a[i]!;
    const ei = e[i]!;
    if (!Number.isFinite(ei)) {
      if (ai !== ei) throw new Error(`index ${i}: expected ${ei}, got ${ai}`);
      continue;
    }
    const err = Math.abs(ai - ei);
    const tol = atol + rtol * Math.abs(ei);
    if (!(err <= tol)) {
      throw new Error(`index ${i}: expected ${ei}, got ${ai} (|diff| ${err.toExponential(3)} > tol ${tol.toExponential(3)})`);
    }
  }
}

function toArray(x: number | ArrayLike<number> | tf.Tensor): number[] {
  if (typeof x === 'number') return [x];
  if (x instanceof tf.Tensor) return Array.from(x.dataSync());
  return Array.from(x);
}

/**
 * Runs `fn` and asserts it left no tensor behind: `tf.memory().numTensors`
 * after equals before once the returned tensors (if any) are disposed.
 */
export async function expectNoLeaks<T>(fn: () => T | Promise<T>): Promise<T> {
  const before = tf.memory().numTensors;
  const result = await fn();
  const returned = collectTensors(result);
  const after = tf.memory().numTensors - returned.length;
  expect(after, 'tensors left behind (numTensors after - before, not counting returned tensors)').toBe(before);
  return result;
}

function collectTensors(value: unknown, seen = new Set<unknown>()): tf.Tensor[] {
  if (value == null || typeof value !== 'object' || seen.has(value)) return [];
  seen.add(value);
  if (value instanceof tf.Tensor) return value.isDisposed ? [] : [value];
  if (Array.isArray(value)) return value.flatMap((v) => collectTensors(v, seen));
  if (Object.getPrototypeOf(value) === Object.prototype) {
    return Object.values(value).flatMap((v) => collectTensors(v, seen));
  }
  return [];
}

/**
 * Runs the first ```ts block of a package's README as a module, so the
 * example people copy cannot rot. Returns the module's exports. With
 * `after`, the first ```ts block after the line that starts with it (a heading).
 */
export async function runReadmeExample(packageDir: string, { after }: { after?: string } = {}): Promise<Record<string, unknown>> {
  const { mkdtempSync, writeFileSync } = await import('node:fs');
  let readme = readFileSync(resolve(packageDir, 'README.md'), 'utf8');
  if (after != null) {
    const at = readme.split('\n').findIndex((line) => line.startsWith(after));
    if (at < 0) throw new Error(`${packageDir}/README.md has no line starting with ${after}`);
    readme = readme.split('\n').slice(at).join('\n');
  }
  const match = /```ts\n([\s\S]*?)```/.exec(readme);
  if (match == null) throw new Error(`${packageDir}/README.md has no \`\`\`ts example${after == null ? '' : ` after ${after}`}`);
  const dir = mkdtempSync(resolve(packageDir, '.readme-example-'));
  const file = resolve(dir, 'example.ts');
  writeFileSync(file, match[1]!);
  try {
    return (await import(/* @vite-ignore */ file)) as Record<string, unknown>;
  } finally {
    const { rmSync } = await import('node:fs');
    rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * Runs an ES module's source in a fresh Node process from `cwd` (so a package's dependencies
 * resolve) and returns its stderr ('' when it exits 0): for what a new process sees, such as
 * an app that never selected a backend.
 */
export async function stderrOfFreshNode(source: string, cwd: string): Promise<string> {
  const { execFileSync } = await import('node:child_process');
  try {
    execFileSync(process.execPath, ['--input-type=module', '-e', source], { cwd, encoding: 'utf8', stdio: 'pipe' });
    return '';
  } catch (error) {
    return String((error as { stderr?: string }).stderr ?? error);
  }
}
