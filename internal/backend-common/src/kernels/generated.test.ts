import { readdirSync } from 'node:fs';
import { setFlagsFromString } from 'node:v8';
import { describe, expect, it } from 'vitest';
import { assemble, assembleFile, expandLanes, flagsOf, KERNELS_DIR, selectVariant, variantsOf, watFiles } from '../../scripts/wat.mjs';
import type { KernelModule } from '../kernel-module';

// Relaxed SIMD is behind a flag on Node 20 (on by default from Node 22); the relaxed variants must validate too.
setFlagsFromString('--experimental-wasm-relaxed-simd');

const decode = (base64: string): number[] => [...Buffer.from(base64, 'base64')];

describe('the generated kernel modules (src/kernels/*.wasm.ts)', () => {
  it('exist for every .wat file and no other', () => {
    const generated = readdirSync(KERNELS_DIR)
      .filter((f) => f.endsWith('.wasm.ts'))
      .sort();
    expect(generated).toEqual(watFiles().map((f) => f.replace(/\.wat$/, '.wasm.ts')));
    expect(watFiles()).toEqual([
      'adam.wat',
      'bernoulli-rows.wat',
      'column-sums.wat',
      'gemm.wat',
      'matmul.wat',
      'patches.wat',
      'row-sums.wat',
      'softplus.wat',
      'transpose.wat',
    ]);
  });

  for (const file of watFiles()) {
    it(`${file}: regenerated with wabt, every variant has the committed bytes (else run \`pnpm --filter @elbo/backend-common generate\`)`, async () => {
      const fresh = await assembleFile(file);
      const committed = (await import(`./${file.replace(/\.wat$/, '')}.wasm.ts`)) as Record<string, KernelModule>;
      const module = committed[fresh.name]!;
      expect(module.source).toBe(file);
      expect(module.exportName).toBe(fresh.exportName);
      expect(module.flags).toEqual(fresh.flags);
      expect(Object.keys(module.variants).sort()).toEqual(Object.keys(fresh.variants).sort());
      for (const [key, bytes] of Object.entries(fresh.variants)) {
        expect(decode(module.variants[key]!), `${file} variant ${key}`).toEqual([...bytes]);
        expect(WebAssembly.validate(Uint8Array.from(bytes)), `${file} variant ${key} validates`).toBe(true);
      }
    });
  }

  it('every module has a shared-memory variant, and matMul and the Bernoulli rows a relaxed-SIMD one', async () => {
    for (const file of watFiles()) expect((await assembleFile(file)).flags).toContain('shared');
    for (const file of ['matmul.wat', 'bernoulli-rows.wat'])
      expect(Object.keys((await assembleFile(file)).variants).sort()).toEqual(['base', 'relaxed', 'relaxed+shared', 'shared']);
  });
});

describe('the .wat variant lines', () => {
  const text = ['(module', '  (memory 1)  ;; @if !shared', '  (memory 1 2 shared)  ;; @if shared', '  (func (export "f")))'].join('\n');

  it('keep a line only in the variants it names', () => {
    expect(flagsOf(text)).toEqual(['shared']);
    expect(variantsOf(['relaxed', 'shared'])).toEqual([[], ['relaxed'], ['shared'], ['relaxed', 'shared']]);
    expect(selectVariant(text, []).split('\n')).toEqual(['(module', '  (memory 1)  ;; @if !shared', '', '  (func (export "f")))']);
    expect(selectVariant(text, ['shared']).split('\n')).toEqual([
      '(module',
      '',
      '  (memory 1 2 shared)  ;; @if shared',
      '  (func (export "f")))',
    ]);
  });

  it('make different bytes, and a changed instruction changes them', async () => {
    const plain = await assemble('t.wat', text, []);
    const shared = await assemble('t.wat', text, ['shared']);
    expect([...plain]).not.toEqual([...shared]);
    const body = '(module (func (export "f") (result i32) (i32.const 1)))';
    expect([...(await assemble('t.wat', body, []))]).not.toEqual([...(await assemble('t.wat', body.replace('1)', '2)'), []))]);
  });

  it("fail with wabt's message and the file name on an error", async () => {
    await expect(assemble('bad.wat', '(module (func (f32x4.bogus)))', [])).rejects.toThrow(/bad\.wat \[base\]:1:\d+: error/);
  });
});

describe('the .wat lane lines', () => {
  it('write an @each line out once per lane of the @lanes line above it, on the same line', () => {
    const text = [
      ';; @lanes a b c',
      '    (local $v<lane> v128)  ;; @each',
      '    (local.set $v<lane> (v128.load offset=<offset> (local.get $p)))  ;; @each ;; @if relaxed',
      ';; @lanes z',
      '(local.get $v<lane>)  ;; @each',
      '(plain <lane>)',
    ].join('\n');
    expect(expandLanes(text).split('\n')).toEqual([
      ';; @lanes a b c',
      '    (local $va v128) (local $vb v128) (local $vc v128)',
      '    (local.set $va (v128.load offset=0 (local.get $p))) (local.set $vb (v128.load offset=16 (local.get $p))) (local.set $vc (v128.load offset=32 (local.get $p)))',
      ';; @lanes z',
      '(local.get $vz)',
      '(plain <lane>)',
    ]);
  });

  it('keep the @if of an @each line, and refuse an @each before any @lanes', () => {
    const text = ';; @lanes a b\n(f32x4.relaxed_madd $<lane>)  ;; @each ;; @if relaxed';
    expect(expandLanes(selectVariant(text, [])).split('\n')).toEqual([';; @lanes a b', '']);
    expect(expandLanes(selectVariant(text, ['relaxed'])).split('\n')[1]).toBe('(f32x4.relaxed_madd $a) (f32x4.relaxed_madd $b)');
    expect(() => expandLanes('(x <lane>)  ;; @each', 'k.wat')).toThrow('k.wat:1: @each before any @lanes line');
  });
});
