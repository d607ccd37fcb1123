/** What a WebGL context says about the GPU behind it. */
export interface RendererInfo {
  /** The unmasked renderer string (`WEBGL_debug_renderer_info`), else the masked one. */
  renderer: string;
  /** The software rasterizer's name (SwiftShader, llvmpipe, ...) when the renderer is one, else null. */
  software: string | null;
}

/** Renderer strings of CPU rasterizers, with the name a reason should give. */
const SOFTWARE_RENDERERS: readonly [RegExp, string][] = [
  [/swiftshader/i, 'SwiftShader'],
  [/llvmpipe/i, 'llvmpipe'],
  [/lavapipe/i, 'lavapipe'],
  [/softpipe/i, 'softpipe'],
  [/basic render driver/i, 'Microsoft Basic Render Driver'],
  [/software (rasterizer|renderer|adapter)/i, 'a software rasterizer'],
];

/**
 * Names the software rasterizer a WebGL renderer string describes, or null
 * for a GPU (or a masked string that does not say).
 *
 * @example
 * ```ts
 * softwareRendererName('ANGLE (Google, Vulkan 1.3.0 (SwiftShader Device (Subzero)), SwiftShader driver)'); // 'SwiftShader'
 * ```
 */
export function softwareRendererName(renderer: string): string | null {
  for (const [pattern, name] of SOFTWARE_RENDERERS) {
    if (pattern.test(renderer)) return name;
  }
  return null;
}

/**
 * Reads the renderer of a throwaway WebGL context (WebGL2, else WebGL1), then
 * releases it. Returns null when no WebGL context can be made here: WebGL
 * disabled or unsupported, or no DOM at all.
 */
export function readWebGLRenderer(): RendererInfo | null {
  const canvas = makeCanvas();
  if (canvas == null) return null;
  const gl = (canvas.getContext('webgl2') ?? canvas.getContext('webgl')) as WebGLRenderingContext | null;
  if (gl == null) return null;
  try {
    const debug = gl.getExtension('WEBGL_debug_renderer_info');
    const renderer = String(gl.getParameter(debug != null ? debug.UNMASKED_RENDERER_WEBGL : gl.RENDERER) ?? 'unknown');
    return { renderer, software: softwareRendererName(renderer) };
  } finally {
    // Browsers cap live contexts (16 in Chromium); give this one back now.
    gl.getExtension('WEBGL_lose_context')?.loseContext();
  }
}

function makeCanvas(): OffscreenCanvas | HTMLCanvasElement | null {
  if (typeof OffscreenCanvas !== 'undefined') return new OffscreenCanvas(1, 1);
  if (typeof document !== 'undefined') return document.createElement('canvas');
  return null;
}
