import { describe, expect, it } from 'vitest';
import { readWebGLRenderer, softwareRendererName } from './renderer';

describe('softwareRendererName', () => {
  it.each([
    // Chromium's ANGLE on SwiftShader (what headless Chromium reports here), old and new forms.
    ['ANGLE (Google, Vulkan 1.3.0 (SwiftShader Device (Subzero) (0x0000C0DE)), SwiftShader driver)', 'SwiftShader'],
    ['Google SwiftShader', 'SwiftShader'],
    // Mesa's CPU rasterizers on Linux, as Firefox and Chromium report them.
    ['llvmpipe (LLVM 15.0.6, 256 bits)', 'llvmpipe'],
    ['ANGLE (Mesa, llvmpipe (LLVM 15.0.6 256 bits), OpenGL 4.5)', 'llvmpipe'],
    ['softpipe', 'softpipe'],
    ['ANGLE (Microsoft, Microsoft Basic Render Driver Direct3D11 vs_5_0 ps_5_0, D3D11)', 'Microsoft Basic Render Driver'],
  ])('names the software rasterizer in %s', (renderer, expected) => {
    expect(softwareRendererName(renderer)).toBe(expected);
  });

  it.each([
    'ANGLE (NVIDIA, NVIDIA GeForce RTX 3080 Direct3D11 vs_5_0 ps_5_0, D3D11)',
    'ANGLE (Intel, Mesa Intel(R) UHD Graphics 620 (KBL GT2), OpenGL 4.6)',
    'Apple M1',
    'Mali-G78',
    'WebKit WebGL',
  ])('treats %s as a GPU', (renderer) => {
    expect(softwareRendererName(renderer)).toBeNull();
  });
});

describe('readWebGLRenderer', () => {
  it('answers null where no canvas can be made (Node)', () => {
    expect(readWebGLRenderer()).toBeNull();
  });
});
