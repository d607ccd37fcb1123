import * as tf from '@tensorflow/tfjs-core';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { selectBackend } from './index';

// Node has no WebGL and no WebGPU, so here these tests see the failure paths
// and the cpu fallback; test/browser covers webgl and wasm in Chromium.
let original: string;
beforeEach(() => {
  original = tf.getBackend();
});
afterEach(async () => {
  await tf.setBackend(original);
});

describe('selectBackend (in Node)', () => {
  it('falls back past a backend that cannot start, with the reason in `tried` and `reason`', async () => {
    const selection = await selectBackend({ prefer: ['webgpu', 'webgl', 'cpu'], fallback: false });
    expect(selection.name).toBe('cpu');
    expect(tf.getBackend()).toBe('cpu');
    expect(selection.tried.map((t) => [t.name, t.ok])).toEqual([
      ['webgpu', false],
      ['webgl', false],
      ['cpu', true],
    ]);
    expect(selection.tried[0]!.error).toBe('WebGPU is not available in this browser (navigator.gpu is missing)');
    expect(selection.tried[1]!.error).toMatch(/^no WebGL context could be created/);
    expect(selection.reason).toMatch(/^plain JavaScript.*; not used: webgpu \(WebGPU is not available.*webgl \(no WebGL context/);
  });

  it('answers a repeated call from the first result without redoing the work', async () => {
    const first = await selectBackend({ prefer: ['cpu'], fallback: false });
    expect(await selectBackend({ prefer: ['cpu'], fallback: false })).toBe(first);
  });

  it('rejects unknown names with the valid names, before trying anything', async () => {
    const before = tf.getBackend();
    await expect(selectBackend({ prefer: ['wasm', 'tensorflow' as 'wasm'] })).rejects.toThrow(
      'selectBackend option "prefer" has unknown backend "tensorflow" at index 1: expected one of webgpu, webgl, wasm, cpu',
    );
    expect(tf.getBackend()).toBe(before);
  });

  it('rejects a bad wasmPaths and an empty candidate list before trying anything', async () => {
    const before = tf.getBackend();
    await expect(selectBackend({ prefer: ['cpu'], wasmPaths: 'static' })).rejects.toThrow(
      'option "wasmPaths" must be a URL prefix ending in "/"',
    );
    await expect(selectBackend({ prefer: [], fallback: false })).rejects.toThrow('"prefer" is empty and fallback is false');
    expect(tf.getBackend()).toBe(before);
  });

  it('says what it tried when nothing can start', async () => {
    await expect(selectBackend({ prefer: ['webgl'], fallback: false })).rejects.toThrow(
      /^no TensorFlow.js backend could be started; tried webgl \(no WebGL context could be created/,
    );
  });

  it('is silent unless verbose, then prints each attempt and the choice', async () => {
    const log = vi.spyOn(console, 'log').mockImplementation(() => {});
    try {
      await selectBackend({ prefer: ['webgl', 'cpu'], fallback: false });
      expect(log).not.toHaveBeenCalled();
      await selectBackend({ prefer: ['webgl', 'cpu'], fallback: false, verbose: true, allowSoftwareWebGL: true });
      expect(log.mock.calls.map((c) => String(c[0]))).toEqual([
        expect.stringMatching(/^\[elbo\] backend webgl not used: no WebGL context/),
        expect.stringMatching(/^\[elbo\] backend cpu: plain JavaScript/),
      ]);
    } finally {
      log.mockRestore();
    }
  });

  it('registers the gradient functions (tfjs-core alone has none)', () => {
    expect(tf.getGradient(tf.Add)).toBeDefined();
    expect(tf.getGradient(tf.BatchMatMul)).toBeDefined();
  });
});
