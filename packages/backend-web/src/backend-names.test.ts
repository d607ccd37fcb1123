import { describe, expect, it } from 'vitest';
import { DEFAULT_ORDER, parseBackendNames, WEB_BACKENDS } from './backend-names';

describe('parseBackendNames', () => {
  it('accepts every known name in the order given', () => {
    expect(parseBackendNames(['wasm', 'webgpu', 'cpu', 'webgl'], 'x')).toEqual(['wasm', 'webgpu', 'cpu', 'webgl']);
  });

  it('rejects an unknown name with its index and the valid names', () => {
    expect(() => parseBackendNames(['wasm', 'tensorflow'], 'selectBackend option "prefer"')).toThrow(
      'selectBackend option "prefer" has unknown backend "tensorflow" at index 1: expected one of webgpu, webgl, wasm, cpu',
    );
  });

  it('rejects a non-string entry and a non-array list', () => {
    expect(() => parseBackendNames([3], 'p')).toThrow('p has unknown backend 3 at index 0');
    expect(() => parseBackendNames('webgl', 'p')).toThrow('p must be an array of backend names (webgpu, webgl, wasm, cpu), got "webgl"');
  });

  it('leaves webgpu out of the default order', () => {
    expect(DEFAULT_ORDER).toEqual(['webgl', 'wasm', 'cpu']);
    expect(WEB_BACKENDS).toContain('webgpu');
  });
});
