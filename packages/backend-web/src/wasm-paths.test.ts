import { describe, expect, it } from 'vitest';
import { checkWasmPaths, defaultWasmPaths, WASM_FILES } from './wasm-paths';

describe('checkWasmPaths', () => {
  it('passes a prefix ending in "/" and a complete file map through', () => {
    expect(checkWasmPaths('/static/tfjs/')).toBe('/static/tfjs/');
    const map = Object.fromEntries(WASM_FILES.map((f) => [f, `/x/${f}`]));
    expect(checkWasmPaths(map)).toBe(map);
    expect(checkWasmPaths(undefined)).toBeUndefined();
  });

  it('rejects a prefix without the trailing slash, naming the option', () => {
    expect(() => checkWasmPaths('/static/tfjs')).toThrow(
      'selectBackend option "wasmPaths" must be a URL prefix ending in "/" (the .wasm file names are appended), got "/static/tfjs"',
    );
  });

  it('rejects a file map that misses a binary, naming it', () => {
    expect(() => checkWasmPaths({ 'tfjs-backend-wasm.wasm': '/a.wasm', 'tfjs-backend-wasm-simd.wasm': '/b.wasm' })).toThrow(
      'missing tfjs-backend-wasm-threaded-simd.wasm',
    );
    expect(() => checkWasmPaths(42)).toThrow('must be a URL prefix string or a map of file names to URLs, got 42');
  });
});

describe('defaultWasmPaths', () => {
  it('points each binary at the installed package, relative to this module', () => {
    const paths = defaultWasmPaths() as Record<string, string>;
    for (const file of WASM_FILES) {
      expect(paths[file]).toMatch(new RegExp(`/@tensorflow/tfjs-backend-wasm/dist/${file.replace(/\./g, '\\.')}$`));
    }
  });
});
