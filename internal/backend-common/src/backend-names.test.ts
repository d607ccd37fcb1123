import { describe, expect, it } from 'vitest';
import { parseBackendNames, show } from './backend-names';

const NAMES = ['webgpu', 'webgl', 'wasm', 'cpu'] as const;

describe('parseBackendNames', () => {
  it('accepts every known name in the order given', () => {
    expect(parseBackendNames(['wasm', 'webgpu', 'cpu', 'webgl'], NAMES, 'x')).toEqual(['wasm', 'webgpu', 'cpu', 'webgl']);
    expect(parseBackendNames([], NAMES, 'x')).toEqual([]);
  });

  it('rejects an unknown name with its index and the valid names', () => {
    expect(() => parseBackendNames(['wasm', 'tensorflow'], NAMES, 'selectBackend option "prefer"')).toThrow(
      'selectBackend option "prefer" has unknown backend "tensorflow" at index 1: expected one of webgpu, webgl, wasm, cpu',
    );
  });

  it('rejects a non-string entry and a non-array list, with a hint for a bare string', () => {
    expect(() => parseBackendNames([3], NAMES, 'p')).toThrow('p has unknown backend 3 at index 0');
    expect(() => parseBackendNames('webgl', NAMES, 'p')).toThrow(
      'p must be an array of backend names (webgpu, webgl, wasm, cpu), got "webgl" (a string; write ["webgl"])',
    );
    expect(() => parseBackendNames(undefined, ['cpu'], 'p')).toThrow('p must be an array of backend names (cpu), got undefined');
  });
});

describe('show', () => {
  it('writes values as code would, and survives what JSON cannot write', () => {
    expect(show('a')).toBe('"a"');
    expect(show(undefined)).toBe('undefined');
    const cyclic: { self?: unknown } = {};
    cyclic.self = cyclic;
    expect(show(cyclic)).toBe('[object Object]');
  });
});
