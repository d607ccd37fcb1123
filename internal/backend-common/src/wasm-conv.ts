import * as tf from '@tensorflow/tfjs-core';
import {
  installWasmKernel,
  registerWasmKernel,
  type KernelResult,
  type WasmBackendInternals,
  type WasmKernelArgs,
} from './install-wasm-kernel';
import { instantiateKernel, kernelBytes } from './kernel-module';
import { gemmWasm } from './kernels/gemm.wasm';
import { patchesWasm } from './kernels/patches.wasm';

/**
 * 2-D convolutions on the wasm backend (NHWC, float32, dilations 1) as
 * patches and products: kernels/patches.wat gathers each output pixel's input
 * window into a row of a scratch matrix (im2col) or scatter-adds such rows
 * back (col2im), and kernels/gemm.wat multiplies with 128-bit SIMD (fused
 * multiply-adds where relaxed SIMD is on), reading either operand in place
 * with strides. With x [N, H, W, C], a filter W [kh, kw, C, O] seen as
 * [kh kw C, O], and col = im2col(x) [N oh ow, kh kw C]:
 *
 *   Conv2D               y  = col W
 *   Conv2DBackpropInput  dx = col2im(dy W^T)
 *   Conv2DBackpropFilter dW = col^T dy
 *
 * Why: tfjs-backend-wasm 4.22 has no Conv2DBackpropFilter at all (so
 * convolutions could not train on wasm), and its Conv2DBackpropInput, the
 * forward pass of a transposed convolution, is a scalar loop.
 */

/** C (+)= act(A B + bias); A[i, k] at a + i sai + k sak, B[k, j] at b + k ldb + 4 j, C[i, j] at c + i ldc + 4 j (bytes). */
export type SimdGemm = (
  a: number,
  sai: number,
  sak: number,
  b: number,
  ldb: number,
  c: number,
  ldc: number,
  bias: number,
  m: number,
  n: number,
  k: number,
  flags: number,
) => void;

/**
 * im2col (mode 0) or col2im scatter-add (mode 1) between x (NHWC, [*, h, w, c])
 * and col (rows of ldcol floats), for `count` output pixels from the flat
 * index `first`.
 */
export type ConvPatches = (
  x: number,
  col: number,
  h: number,
  w: number,
  c: number,
  kh: number,
  kw: number,
  sh: number,
  sw: number,
  pt: number,
  pl: number,
  oh: number,
  ow: number,
  ldcol: number,
  mode: number,
  first: number,
  count: number,
) => void;

export interface ConvModules {
  gemm: SimdGemm;
  patches: ConvPatches;
  /** True when gemm uses fused multiply-adds (relaxed SIMD). */
  fused: boolean;
}

/** The modules' bytes (for the tests): with fused multiply-adds or not, for a shared memory or not. */
export function simdGemmModuleBytes(fused: boolean, shared: boolean): Uint8Array<ArrayBuffer> {
  return kernelBytes(gemmWasm, { relaxed: fused, shared });
}

export function convPatchesModuleBytes(shared: boolean): Uint8Array<ArrayBuffer> {
  return kernelBytes(patchesWasm, { shared });
}

/** The kernels on `memory`, with fused multiply-adds where the engine has relaxed SIMD; null without wasm SIMD. */
export function convModules(memory: WebAssembly.Memory): ConvModules | null {
  const patches = instantiateKernel<ConvPatches>(patchesWasm, memory);
  if (patches == null) return null;
  for (const fused of [true, false]) {
    const gemm = instantiateKernel<SimdGemm>(gemmWasm, memory, { relaxed: fused });
    if (gemm != null) return { gemm, patches, fused };
  }
  return null;
}

const RELU = 1;
const BIAS = 2;
const ACCUMULATE = 4;
/** Rows of B (the shared dimension) per gemm call: a panel of B stays in cache while every row tile of A passes. */
const K_BLOCK = 512;
/**
 * Floats of patches (col) made and used at a time: output pixels go in
 * blocks of BLOCK_FLOATS / row length, so that col stays in the core's L2
 * cache between the patches and the product instead of a round trip to
 * memory (about 40 against 50 GFLOP/s here for the decoder's shapes).
 */
const BLOCK_FLOATS = 48 * 1024;

/** Output pixels per block: a multiple of 4 (the gemm's row tile). */
const blockRows = (rowFloats: number, pixels: number): number =>
  Math.min(up(pixels, 4), Math.max(4, Math.floor(BLOCK_FLOATS / rowFloats / 4) * 4));

const up = (value: number, multiple: number): number => Math.ceil(value / multiple) * multiple;

/** The geometry of one NHWC convolution with dilations 1. */
export interface ConvGeometry {
  batch: number;
  inH: number;
  inW: number;
  inC: number;
  kh: number;
  kw: number;
  outC: number;
  outH: number;
  outW: number;
  sh: number;
  sw: number;
  /** Padding on the top and left (the bottom and right follow from the sizes). */
  pt: number;
  pl: number;
}

interface ConvAttrs {
  strides: number | [number, number];
  pad: 'valid' | 'same' | number | tf.backend_util.ExplicitPadding;
  dataFormat?: 'NHWC' | 'NCHW';
  dilations?: number | [number, number];
  dimRoundingMode?: 'floor' | 'round' | 'ceil';
}

/** The geometry tfjs computes (backend_util.computeConv2DInfo), or why elbo's kernels do not take the case. */
export function convGeometry(
  xShape: readonly number[],
  filterShape: readonly number[],
  attrs: ConvAttrs,
): { geometry: ConvGeometry } | { unsupported: string } {
  if (attrs.dataFormat != null && attrs.dataFormat !== 'NHWC') return { unsupported: `dataFormat ${attrs.dataFormat} (NHWC only)` };
  const dilations = attrs.dilations ?? 1;
  if (!(Array.isArray(dilations) ? dilations : [dilations, dilations]).every((d) => d === 1))
    return { unsupported: `dilations ${JSON.stringify(dilations)} (1 only)` };
  if (xShape.length !== 4 || filterShape.length !== 4) return { unsupported: 'x and filter of rank 4 only' };
  const info = tf.backend_util.computeConv2DInfo(
    xShape as [number, number, number, number],
    filterShape as [number, number, number, number],
    attrs.strides,
    1,
    attrs.pad,
    attrs.dimRoundingMode,
    false,
    'channelsLast',
  );
  return {
    geometry: {
      batch: info.batchSize,
      inH: info.inHeight,
      inW: info.inWidth,
      inC: info.inChannels,
      kh: info.filterHeight,
      kw: info.filterWidth,
      outC: info.outChannels,
      outH: info.outHeight,
      outW: info.outWidth,
      sh: info.strideHeight,
      sw: info.strideWidth,
      pt: info.padInfo.top,
      pl: info.padInfo.left,
    },
  };
}

/** Scratch buffers on the backend's heap, freed together. */
class Scratch {
  private readonly pointers: number[] = [];
  constructor(private readonly backend: WasmBackendInternals) {}
  /** `floats` float32 values; growing the memory detaches older views of it, so take views after every alloc. */
  alloc(floats: number): number {
    const pointer = this.backend.wasm._malloc(Math.max(4 * floats, 16)) >>> 0;
    if (pointer === 0) throw new Error(`elbo's wasm convolution could not allocate ${4 * floats} bytes of scratch`);
    this.pointers.push(pointer);
    return pointer;
  }
  free(): void {
    for (const pointer of this.pointers) this.backend.wasm._free(pointer);
    this.pointers.length = 0;
  }
}

const heap = (backend: WasmBackendInternals): Float32Array => backend.wasm.HEAPF32;
const offsetOf = (backend: WasmBackendInternals, t: tf.TensorInfo): number => backend.dataIdMap.get(t.dataId).memoryOffset;

/** Copies a [rows, cols] matrix at `from` into one with row stride `toStride` floats at `to`, zero-filling the rest of each row and rows up to `toRows`. */
function copyPadded(
  backend: WasmBackendInternals,
  from: number,
  rows: number,
  cols: number,
  to: number,
  toStride: number,
  toRows: number,
): void {
  const h = heap(backend);
  const [src, dst] = [from / 4, to / 4];
  for (let r = 0; r < rows; r++) {
    h.copyWithin(dst + r * toStride, src + r * cols, src + (r + 1) * cols);
    if (toStride > cols) h.fill(0, dst + r * toStride + cols, dst + (r + 1) * toStride);
  }
  h.fill(0, dst + rows * toStride, dst + toRows * toStride);
}

/** The first `rows` x `cols` of a matrix with row stride `fromStride` floats, packed. */
function copyUnpadded(backend: WasmBackendInternals, from: number, fromStride: number, rows: number, cols: number, to: number): void {
  const h = heap(backend);
  const [src, dst] = [from / 4, to / 4];
  if (fromStride === cols) h.copyWithin(dst, src, src + rows * cols);
  else for (let r = 0; r < rows; r++) h.copyWithin(dst + r * cols, src + r * fromStride, src + r * fromStride + cols);
}

/**
 * C = act(A B + bias) for M % 4 == 0, N % 8 == 0, in blocks of K_BLOCK along
 * the shared dimension (each block after the first accumulates; bias and
 * activation come with the last).
 */
function gemmBlocked(
  gemm: SimdGemm,
  a: number,
  sai: number,
  sak: number,
  b: number,
  ldb: number,
  c: number,
  ldc: number,
  bias: number,
  m: number,
  n: number,
  k: number,
  flags: number,
): void {
  const blocks = Math.max(1, Math.ceil(k / K_BLOCK));
  const kc = Math.ceil(k / blocks);
  for (let k0 = 0, block = 0; block < blocks; block++, k0 += kc) {
    const size = Math.min(kc, k - k0);
    const last = block === blocks - 1;
    gemm(a + k0 * sak, sai, sak, b + k0 * ldb, ldb, c, ldc, bias, m, n, size, (block > 0 ? ACCUMULATE : 0) | (last ? flags : 0));
  }
}

/** y = act(conv2d(x, W) + bias): im2col, then col W, a block of output pixels at a time. */
export function conv2dForward(
  { gemm, patches }: ConvModules,
  backend: WasmBackendInternals,
  x: tf.TensorInfo,
  filter: tf.TensorInfo,
  g: ConvGeometry,
  bias?: tf.TensorInfo,
  relu = false,
): tf.TensorInfo {
  const out = backend.makeOutput([g.batch, g.outH, g.outW, g.outC], 'float32');
  const m = g.batch * g.outH * g.outW;
  const k = g.kh * g.kw * g.inC;
  const n = g.outC;
  const n8 = up(n, 8);
  const scratch = new Scratch(backend);
  try {
    const pointwise = g.kh === 1 && g.kw === 1 && g.sh === 1 && g.sw === 1 && g.pt === 0 && g.pl === 0;
    const rows = blockRows(k, m);
    const col = scratch.alloc(rows * k + 4); // + 4: patches writes whole vectors
    let b = offsetOf(backend, filter);
    let pBias = bias == null ? 0 : offsetOf(backend, bias);
    if (n !== n8) {
      const padded = scratch.alloc(k * n8);
      copyPadded(backend, offsetOf(backend, filter), k, n, padded, n8, k);
      b = padded;
      if (bias != null) {
        pBias = scratch.alloc(n8);
        copyPadded(backend, offsetOf(backend, bias), 1, n, pBias, n8, 1);
      }
    }
    const cBlock = scratch.alloc(rows * n8);
    const [px, py] = [offsetOf(backend, x), offsetOf(backend, out)];
    const flags = (relu ? RELU : 0) | (bias != null ? BIAS : 0);
    for (let first = 0; first < m; first += rows) {
      const count = Math.min(rows, m - first);
      const count4 = up(count, 4);
      let a = px + 4 * first * k;
      if (!pointwise || count !== count4) {
        a = col;
        patches(px, col, g.inH, g.inW, g.inC, g.kh, g.kw, g.sh, g.sw, g.pt, g.pl, g.outH, g.outW, k, 0, first, count);
        heap(backend).fill(0, col / 4 + count * k, col / 4 + count4 * k);
      }
      const direct = n === n8 && count === count4;
      const c = direct ? py + 4 * first * n : cBlock;
      gemmBlocked(gemm, a, 4 * k, 4, b, 4 * n8, c, 4 * n8, pBias, count4, n8, k, flags);
      if (!direct) copyUnpadded(backend, c, n8, count, n, py + 4 * first * n);
    }
  } finally {
    scratch.free();
  }
  return out;
}

/** dx = col2im(dy W^T): the input gradient of a convolution, the forward pass of a transposed one; a block of dy's pixels at a time. */
export function conv2dBackpropInput(
  { gemm, patches }: ConvModules,
  backend: WasmBackendInternals,
  dy: tf.TensorInfo,
  filter: tf.TensorInfo,
  g: ConvGeometry,
): tf.TensorInfo {
  const out = backend.makeOutput([g.batch, g.inH, g.inW, g.inC], 'float32');
  const m = g.batch * g.outH * g.outW;
  const k = g.outC;
  const n = g.kh * g.kw * g.inC;
  const n8 = up(n, 8);
  const scratch = new Scratch(backend);
  try {
    const rows = blockRows(n8, m);
    // W^T [O, kh kw C], its rows padded to n8 with zeros.
    const wt = scratch.alloc(k * n8);
    const col = scratch.alloc(rows * n8);
    const aTail = scratch.alloc(4 * k);
    const h = heap(backend);
    const [w0, t0] = [offsetOf(backend, filter) / 4, wt / 4];
    for (let o = 0; o < k; o++) {
      const row = t0 + o * n8;
      for (let r = 0; r < n; r++) h[row + r] = h[w0 + r * k + o]!;
      h.fill(0, row + n, row + n8);
    }
    const [pdy, dx] = [offsetOf(backend, dy), offsetOf(backend, out)];
    h.fill(0, dx / 4, dx / 4 + g.batch * g.inH * g.inW * g.inC);
    for (let first = 0; first < m; first += rows) {
      const count = Math.min(rows, m - first);
      const whole = count & ~3;
      if (whole > 0) gemmBlocked(gemm, pdy + 4 * first * k, 4 * k, 4, wt, 4 * n8, col, 4 * n8, 0, whole, n8, k, 0);
      if (whole < count) {
        // The last 1-3 rows, through a zero-padded copy of them.
        copyPadded(backend, pdy + 4 * (first + whole) * k, count - whole, k, aTail, k, 4);
        gemmBlocked(gemm, aTail, 4 * k, 4, wt, 4 * n8, col + 4 * whole * n8, 4 * n8, 0, 4, n8, k, 0);
      }
      patches(dx, col, g.inH, g.inW, g.inC, g.kh, g.kw, g.sh, g.sw, g.pt, g.pl, g.outH, g.outW, n8, 1, first, count);
    }
  } finally {
    scratch.free();
  }
  return out;
}

/** dW = im2col(x)^T dy: the filter gradient, [kh, kw, C, O], summed over blocks of output pixels. */
export function conv2dBackpropFilter(
  { gemm, patches }: ConvModules,
  backend: WasmBackendInternals,
  x: tf.TensorInfo,
  dy: tf.TensorInfo,
  g: ConvGeometry,
): tf.TensorInfo {
  const out = backend.makeOutput([g.kh, g.kw, g.inC, g.outC], 'float32');
  const m = g.batch * g.outH * g.outW; // the shared dimension here
  const k = g.kh * g.kw * g.inC; // rows of dW
  const n = g.outC;
  const [k4, n8] = [up(k, 4), up(n, 8)];
  const scratch = new Scratch(backend);
  try {
    const rows = blockRows(k4, m);
    const col = scratch.alloc(rows * k4 + 4); // + 4: patches writes whole vectors
    const dyBlock = n === n8 ? 0 : scratch.alloc(rows * n8);
    const direct = k === k4 && n === n8;
    const c = direct ? offsetOf(backend, out) : scratch.alloc(k4 * n8);
    const [px, pdy] = [offsetOf(backend, x), offsetOf(backend, dy)];
    for (let first = 0; first < m; first += rows) {
      const count = Math.min(rows, m - first);
      patches(px, col, g.inH, g.inW, g.inC, g.kh, g.kw, g.sh, g.sw, g.pt, g.pl, g.outH, g.outW, k4, 0, first, count);
      let b = pdy + 4 * first * n;
      if (n !== n8) {
        copyPadded(backend, b, count, n, dyBlock, n8, count);
        b = dyBlock;
      }
      // A = col^T: A[i, j] = col[j, i], so rows of A are 4 bytes apart and its columns a row of col apart.
      gemm(col, 4, 4 * k4, b, 4 * n8, c, 4 * n8, 0, k4, n8, count, first > 0 ? ACCUMULATE : 0);
    }
    if (!direct) copyUnpadded(backend, c, n8, k, n, offsetOf(backend, out));
  } finally {
    scratch.free();
  }
  return out;
}

const isFloat = (...ts: tf.TensorInfo[]): boolean => ts.every((t) => t.dtype === 'float32');
const isEmpty = (...shapes: (readonly number[])[]): boolean => shapes.some((s) => tf.util.sizeFromShape(s as number[]) === 0);

/** The Conv2DBackpropFilter kernel: elbo's, for NHWC float32 with dilations 1; throws a clear error otherwise (tfjs has none). */
export function backpropFilterKernel(
  args: WasmKernelArgs,
  modules: ConvModules,
  original: (args: WasmKernelArgs) => KernelResult,
): KernelResult {
  const { x, dy } = args.inputs as { x: tf.TensorInfo; dy: tf.TensorInfo };
  const attrs = args.attrs as unknown as ConvAttrs & { filterShape: [number, number, number, number] };
  const found = convGeometry(x.shape, attrs.filterShape, attrs);
  if ('unsupported' in found) {
    try {
      return original(args);
    } catch {
      throw new Error(
        `Conv2DBackpropFilter on wasm: elbo's kernel takes NHWC float32 convolutions with dilations 1, not ${found.unsupported}`,
      );
    }
  }
  const g = found.geometry;
  const dyShape = [g.batch, g.outH, g.outW, g.outC];
  if (!tf.util.arraysEqual(dy.shape, dyShape))
    throw new Error(
      `Conv2DBackpropFilter on wasm: dy has shape ${JSON.stringify(dy.shape)}, the convolution gives ${JSON.stringify(dyShape)}`,
    );
  if (!isFloat(x, dy)) throw new Error(`Conv2DBackpropFilter on wasm: float32 only, got ${x.dtype} and ${dy.dtype}`);
  const backend = args.backend as WasmBackendInternals;
  if (isEmpty(x.shape, dy.shape)) {
    const out = backend.makeOutput(attrs.filterShape, 'float32');
    const at = offsetOf(backend, out) / 4;
    heap(backend).fill(0, at, at + tf.util.sizeFromShape(attrs.filterShape));
    return out;
  }
  return conv2dBackpropFilter(modules, backend, x, dy, g);
}

/** The Conv2DBackpropInput kernel: elbo's for NHWC float32 with dilations 1, tfjs' otherwise. */
export function backpropInputKernel(
  args: WasmKernelArgs,
  modules: ConvModules,
  original: (args: WasmKernelArgs) => KernelResult,
): KernelResult {
  const { dy, filter } = args.inputs as { dy: tf.TensorInfo; filter: tf.TensorInfo };
  const attrs = args.attrs as unknown as ConvAttrs & { inputShape: [number, number, number, number] };
  const found = convGeometry(attrs.inputShape, filter.shape, attrs);
  if ('unsupported' in found || !isFloat(dy, filter) || isEmpty(attrs.inputShape, dy.shape, filter.shape)) return original(args);
  const g = found.geometry;
  if (!tf.util.arraysEqual(dy.shape, [g.batch, g.outH, g.outW, g.outC])) return original(args);
  return conv2dBackpropInput(modules, args.backend as WasmBackendInternals, dy, filter, g);
}

/** The Conv2D kernel: elbo's for NHWC float32 with dilations 1, tfjs' (XNNPACK) otherwise. */
export function conv2dKernel(args: WasmKernelArgs, modules: ConvModules, original: (args: WasmKernelArgs) => KernelResult): KernelResult {
  const { x, filter } = args.inputs as { x: tf.TensorInfo; filter: tf.TensorInfo };
  const attrs = args.attrs as unknown as ConvAttrs;
  const found = convGeometry(x.shape, filter.shape, attrs);
  if ('unsupported' in found || !isFloat(x, filter) || isEmpty(x.shape, filter.shape)) return original(args);
  return conv2dForward(modules, args.backend as WasmBackendInternals, x, filter, found.geometry);
}

export interface WasmConvInfo {
  /** Kernels replaced or added, by name. */
  kernels: string[];
  /** True when the products use fused multiply-adds (relaxed SIMD). */
  fused: boolean;
}

/**
 * Registers Conv2DBackpropFilter (which tfjs' wasm backend lacks) and
 * replaces Conv2DBackpropInput (a scalar loop in tfjs) and, with `forward`,
 * Conv2D (XNNPACK, which threaded builds spread over the cores) with elbo's;
 * null without wasm SIMD.
 */
export function installWasmConv({ forward }: { forward: boolean }): WasmConvInfo | null {
  const filter = registerWasmKernel(tf.Conv2DBackpropFilter, convModules, backpropFilterKernel);
  if (filter == null) return null;
  installWasmKernel(tf.Conv2DBackpropInput, convModules, backpropInputKernel);
  if (forward) installWasmKernel(tf.Conv2D, convModules, conv2dKernel);
  return { kernels: [...(forward ? ['Conv2D'] : []), 'Conv2DBackpropInput', 'Conv2DBackpropFilter'], fused: filter.fused };
}
