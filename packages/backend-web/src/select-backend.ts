import * as tf from '@tensorflow/tfjs-core';
import './register-gradients';
import {
  checkMatMulGradient,
  guardWasmAllocations,
  installWasmKernels,
  registerAdamKernels,
  registerFusedMatMulGradient,
} from '@elbo/backend-common';
import { DEFAULT_ORDER, parseBackendNames, type WebBackendName } from './backend-names';
import { readWebGLRenderer, softwareRendererName } from './renderer';
import { checkWasmPaths, defaultWasmPaths, locateWasmBinaries, type WasmPaths } from './wasm-paths';

/** Options of {@link selectBackend}; every field is optional. */
export interface SelectBackendOptions {
  /** Backends to try, in order. Default `webgl, wasm, cpu`; `webgpu` is tried only when listed here. */
  prefer?: readonly WebBackendName[];
  /** After the preferred backends fail, go on with the rest of the default order. Default true. */
  fallback?: boolean;
  /** Accept WebGL on a software rasterizer (SwiftShader, llvmpipe), which is usually slower than wasm. Default false. */
  allowSoftwareWebGL?: boolean;
  /**
   * Where the wasm backend fetches its `.wasm` files: a URL prefix ending in
   * `/`, or a URL per file. Default: the files of the installed
   * `@tensorflow/tfjs-backend-wasm`, referenced with `new URL(..., import.meta.url)`
   * so that Vite copies them into the build. Only the first wasm
   * initialization uses it.
   */
  wasmPaths?: WasmPaths;
  /** Print each attempt and the choice to the console. Default false. */
  verbose?: boolean;
}

/** One backend {@link selectBackend} tried, and why it was not used when it was not. */
export interface BackendAttempt {
  name: WebBackendName;
  ok: boolean;
  /** Why this backend was not used. */
  error?: string;
}

/** What {@link selectBackend} chose and why, with every attempt. */
export interface BackendSelection {
  /** The backend every tfjs op now runs on. */
  name: WebBackendName;
  /** One sentence on why this backend was chosen. */
  reason: string;
  /** Every backend tried, in order, with the reason each failed. */
  tried: BackendAttempt[];
}

/**
 * Chooses the fastest TensorFlow.js backend that works in this browser, makes
 * it the active one and says which and why. A candidate counts only when
 * `tf.setBackend` succeeds, `tf.getBackend()` agrees and a small matMul with
 * its gradient gives the right numbers; WebGL also needs float32 render
 * targets, and a software-rendered WebGL loses to wasm unless
 * `allowSoftwareWebGL` is set.
 *
 * A repeated call with the same candidates returns the first answer without
 * redoing the work.
 *
 * @example
 * ```ts
 * import { selectBackend } from '@elbo/backend-web';
 * const { name, reason } = await selectBackend({ wasmPaths: '/tfjs-wasm/' });
 * console.log(`running on ${name}: ${reason}`);
 * ```
 */
export async function selectBackend(options: SelectBackendOptions = {}): Promise<BackendSelection> {
  const candidates = resolveCandidates(options);
  const wasmPaths = checkWasmPaths(options.wasmPaths);
  const allowSoftwareWebGL = options.allowSoftwareWebGL ?? false;
  const key = `${candidates.join(',')}|${allowSoftwareWebGL}`;
  const cached = selections.get(key);
  if (cached != null && tf.getBackend() === (await cached).name) return cached;
  const selection = trySelect(candidates, { allowSoftwareWebGL, wasmPaths, verbose: options.verbose ?? false });
  selections.set(key, selection);
  selection.catch(() => selections.delete(key));
  return selection;
}

const selections = new Map<string, Promise<BackendSelection>>();

interface Settings {
  allowSoftwareWebGL: boolean;
  wasmPaths: WasmPaths | undefined;
  verbose: boolean;
}

function resolveCandidates({ prefer, fallback = true }: SelectBackendOptions): WebBackendName[] {
  const preferred = prefer == null ? [...DEFAULT_ORDER] : parseBackendNames(prefer, 'selectBackend option "prefer"');
  const rest = fallback ? DEFAULT_ORDER.filter((name) => !preferred.includes(name)) : [];
  const all = [...new Set([...preferred, ...rest])];
  if (all.length === 0) throw new Error('selectBackend option "prefer" is empty and fallback is false: nothing to try');
  return all;
}

async function trySelect(candidates: WebBackendName[], settings: Settings): Promise<BackendSelection> {
  const tried: BackendAttempt[] = [];
  for (const name of candidates) {
    try {
      const detail = await activate(name, settings);
      tried.push({ name, ok: true });
      const skipped = tried.filter((t) => !t.ok).map((t) => `${t.name} (${t.error})`);
      const reason = `${detail}${skipped.length > 0 ? `; not used: ${skipped.join('; ')}` : ''}`;
      if (settings.verbose) console.log(`[elbo] backend ${name}: ${reason}`);
      return { name, reason, tried };
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      tried.push({ name, ok: false, error: message });
      if (settings.verbose) console.log(`[elbo] backend ${name} not used: ${message}`);
    }
  }
  throw new Error(`no TensorFlow.js backend could be started; tried ${tried.map((t) => `${t.name} (${t.error})`).join('; ')}`);
}

/** Loads, initializes and checks one backend; returns why it is a good choice or throws why not. */
async function activate(name: WebBackendName, settings: Settings): Promise<string> {
  let detail: string;
  switch (name) {
    case 'webgpu':
      detail = await loadWebGPU();
      break;
    case 'webgl':
      detail = await loadWebGL(settings.allowSoftwareWebGL);
      break;
    case 'wasm':
      await loadWasm(settings.wasmPaths);
      detail = '';
      break;
    case 'cpu':
      await import('@tensorflow/tfjs-backend-cpu');
      detail = 'plain JavaScript, works everywhere (slowest)';
      break;
  }
  // Check setBackend's answer before `ready()`: after a failure, `ready()`
  // quietly initializes whichever registered backend ranks highest and, if
  // that fails too, throws a message that names none. And after a failed
  // setBackend, getBackend() may still name the failed one.
  const ok = await tf.setBackend(name);
  if (!ok) throw new Error(`tf.setBackend('${name}') returned false${name === 'wasm' ? wasmHint : ''}`);
  await tf.ready();
  if (tf.getBackend() !== name) throw new Error(`tf.getBackend() answers "${tf.getBackend()}" after setBackend('${name}')`);
  if (name === 'webgl' && !tf.env().getBool('WEBGL_RENDER_FLOAT32_CAPABLE')) {
    throw new Error('WebGL cannot render to float32 textures here, so results would be float16 (about 3 significant digits)');
  }
  registerAdamKernels();
  // tfjs registers no gradient for the _FusedMatMul kernel (tf.fused.matMul carries its own); elbo's serves every backend.
  registerFusedMatMulGradient();
  if (name === 'wasm') detail = await setUpWasm();
  await checkMatMulGradient();
  return detail;
}

async function loadWebGPU(): Promise<string> {
  const gpu = (globalThis.navigator as { gpu?: GPULike } | undefined)?.gpu;
  if (gpu == null) throw new Error('WebGPU is not available in this browser (navigator.gpu is missing)');
  const adapter = await gpu.requestAdapter();
  if (adapter == null) throw new Error('WebGPU has no adapter here (navigator.gpu.requestAdapter() answered null)');
  if (tf.findBackendFactory('webgpu') == null) {
    // An optional peer: a literal import would make every bundler fail where
    // it is not installed. Apps that want WebGPU import it themselves, which
    // registers the backend; this import only works unbundled (import maps).
    const specifier = '@tensorflow/tfjs-backend-webgpu';
    try {
      await import(/* @vite-ignore */ /* webpackIgnore: true */ specifier);
    } catch (error) {
      throw new Error(
        `the WebGPU backend is not loaded: install @tensorflow/tfjs-backend-webgpu and \`import '@tensorflow/tfjs-backend-webgpu'\` in your app before selectBackend (${(error as Error).message})`,
      );
    }
  }
  const info = adapter.info ?? {};
  const described =
    [info.vendor, info.architecture, info.description].filter((s) => s != null && s !== '').join(' ') || 'adapter not described';
  const software = info.isFallbackAdapter === true ? 'a fallback adapter' : softwareRendererName(described);
  return software != null
    ? `WebGPU on a software adapter (${software}: ${described}), asked for`
    : `WebGPU on the GPU (${described}), asked for`;
}

/** The little of the WebGPU API used here (TypeScript's DOM types do not include WebGPU). */
interface GPULike {
  requestAdapter(): Promise<{
    info?: { vendor?: string; architecture?: string; description?: string; isFallbackAdapter?: boolean };
  } | null>;
}

async function loadWebGL(allowSoftware: boolean): Promise<string> {
  const info = readWebGLRenderer();
  if (info == null) {
    throw new Error('no WebGL context could be created (WebGL is disabled, unsupported, or this is not a browser)');
  }
  if (info.software != null && !allowSoftware) {
    throw new Error(
      `WebGL renders in software (${info.software}: ${info.renderer}), usually several times slower than wasm; pass allowSoftwareWebGL: true to use it anyway`,
    );
  }
  await import('@tensorflow/tfjs-backend-webgl');
  return info.software != null
    ? `WebGL with float32 textures on a software renderer (${info.software}: ${info.renderer}), accepted because allowSoftwareWebGL is true`
    : `WebGL with float32 textures on the GPU (${info.renderer})`;
}

let wasmPathsSet = false;
let wasmHint = '';

async function loadWasm(paths: WasmPaths | undefined): Promise<void> {
  const wasm = await import('@tensorflow/tfjs-backend-wasm');
  // Allowed only before the backend first initializes; later calls keep the first paths.
  if (!wasmPathsSet) {
    const located = paths == null ? await locateWasmBinaries() : null;
    const chosen = paths ?? located?.paths ?? defaultWasmPaths();
    if (chosen != null) wasm.setWasmPaths(chosen);
    wasmPathsSet = true;
    const where =
      located != null && located.paths == null
        ? `none of ${located.tried.join(', ')} answered a wasm binary`
        : `SIMD binary looked for at ${typeof chosen === 'string' ? chosen : (chosen?.['tfjs-backend-wasm-simd.wasm'] ?? 'next to the page')}`;
    wasmHint = ` (are the .wasm files served? ${where}; see the wasmPaths option)`;
  }
}

async function setUpWasm(): Promise<string> {
  // An allocation past the wasm heap's 4 GiB is an error, not a broken backend.
  guardWasmAllocations(tf.backend());
  const [simd, threads] = await Promise.all([
    tf.env().getAsync('WASM_HAS_SIMD_SUPPORT'),
    tf.env().getAsync('WASM_HAS_MULTITHREAD_SUPPORT'),
  ]);
  const features = [simd ? 'SIMD' : 'no SIMD', threads ? 'threads' : 'one thread (threads need a cross-origin isolated page)'];
  // With threads, XNNPACK spreads each product over the cores; elbo's kernel runs on one.
  const kernels = installWasmKernels({ ownMatMul: !threads });
  return `WebAssembly (${features.join(', ')}), the fastest backend without a hardware GPU; ${kernels}`;
}
