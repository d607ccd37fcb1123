import * as tf from '@tensorflow/tfjs-core';
import { afterEach, describe, expect, it } from 'vitest';
import { NODE_BACKENDS, selectBackend } from './index';

afterEach(() => {
  delete process.env.ELBO_BACKEND;
});

describe('selectBackend', () => {
  it('picks a working backend by default and reports every attempt', async () => {
    const selection = await selectBackend();
    expect(NODE_BACKENDS).toContain(selection.name);
    expect(tf.getBackend()).toBe(selection.name);
    const last = selection.tried.at(-1)!;
    expect(last).toEqual({ name: selection.name, ok: true });
    for (const failed of selection.tried.slice(0, -1)) {
      expect(failed.ok).toBe(false);
      expect(failed.error, `reason for ${failed.name}`).toMatch(/\w/);
      expect(selection.reason).toContain(failed.name);
    }
    expect(selection.reason.length).toBeGreaterThan(10);
  });

  it('honours an explicit prefer list', async () => {
    const selection = await selectBackend({ prefer: ['cpu'] });
    expect(selection).toMatchObject({ name: 'cpu', tried: [{ name: 'cpu', ok: true }] });
    expect(tf.getBackend()).toBe('cpu');
  });

  it('reads ELBO_BACKEND when no prefer list is given', async () => {
    process.env.ELBO_BACKEND = 'wasm';
    const selection = await selectBackend();
    expect(selection.name).toBe('wasm');
    expect(tf.getBackend()).toBe('wasm');
  });

  it('answers a repeated call from the first result without redoing the work', async () => {
    const first = await selectBackend({ prefer: ['cpu'] });
    const second = await selectBackend({ prefer: ['cpu'] });
    expect(second).toBe(first);
  });

  it('switches when a later call asks for another backend', async () => {
    await selectBackend({ prefer: ['cpu'] });
    expect((await selectBackend({ prefer: ['wasm'] })).name).toBe('wasm');
    expect((await selectBackend({ prefer: ['cpu'] })).name).toBe('cpu');
    expect(tf.getBackend()).toBe('cpu');
  });

  it('rejects unknown names in prefer with the valid names, before trying anything', async () => {
    const before = tf.getBackend();
    await expect(selectBackend({ prefer: ['wasm', 'webgl' as 'wasm'] })).rejects.toThrow(
      'selectBackend option "prefer" has unknown backend "webgl" at index 1: expected one of tensorflow, wasm, cpu',
    );
    expect(tf.getBackend()).toBe(before);
  });

  it('rejects unknown names in ELBO_BACKEND, naming the variable', async () => {
    process.env.ELBO_BACKEND = 'cpu, gpu';
    await expect(selectBackend()).rejects.toThrow(
      'environment variable ELBO_BACKEND has unknown backend "gpu" at index 1: expected one of tensorflow, wasm, cpu',
    );
  });

  it('with fallback off, fails with every reason when nothing preferred works, or uses native TensorFlow', async () => {
    const attempt = selectBackend({ prefer: ['tensorflow'], fallback: false });
    const outcome = await attempt.then(
      (selection) => ({ selection }),
      (error: Error) => ({ error }),
    );
    if ('selection' in outcome) {
      expect(outcome.selection.name).toBe('tensorflow');
    } else {
      expect(outcome.error.message).toMatch(
        /^no TensorFlow\.js backend could be started; tried tensorflow \(native TensorFlow is not available: @tensorflow\/tfjs-node-gpu (is not installed|is installed without its native addon), @tensorflow\/tfjs-node (is not installed|is installed without its native addon)/,
      );
    }
  });

  it('registers gradient functions, which tfjs-core alone lacks', async () => {
    await selectBackend({ prefer: ['cpu'] });
    for (const kernel of [tf.Add, tf.BatchMatMul, tf.Relu, tf.Sigmoid, tf.Exp, tf.Log, tf.Sum]) {
      expect(tf.getGradient(kernel), kernel).toBeDefined();
    }
  });

  it('leaks no tensors', async () => {
    await selectBackend({ prefer: ['cpu'] });
    const before = tf.memory().numTensors;
    await selectBackend({ prefer: ['wasm'] });
    await selectBackend({ prefer: ['cpu'] });
    expect(tf.memory().numTensors).toBe(before);
  });
});

describe('the native-TensorFlow hint', () => {
  it('names the command of every package manager, not only pnpm', async () => {
    const { INSTALL_SCRIPT_HINT } = await import('./select-backend');
    for (const manager of ['npm', 'pnpm approve-builds', 'yarn', 'bun']) expect(INSTALL_SCRIPT_HINT).toContain(manager);
    const selection = await selectBackend({ prefer: ['tensorflow', 'cpu'] });
    expect(selection.tried.map((t) => t.error).join(' ')).toContain('pnpm approve-builds');
    expect(selection.tried.map((t) => t.error).join(' ')).toContain('trustedDependencies');
  });
});
