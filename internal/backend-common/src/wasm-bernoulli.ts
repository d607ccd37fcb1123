import * as tf from '@tensorflow/tfjs-core';
import { registerWasmKernel, type WasmBackendInternals, type WasmKernelArgs } from './install-wasm-kernel';
import { instantiateKernel, kernelBytes } from './kernel-module';
import { bernoulliRowsWasm } from './kernels/bernoulli-rows.wasm';
import { bernoulliCallerRows, threadHelpers } from './thread-helpers';

/**
 * The Bernoulli log-likelihood of a decoder's logits, summed over each row,
 * and its gradient, as two wasm kernels on kernels/bernoulli-rows.wat:
 *
 *   ElboBernoulliLogLikelihood      x [m, d], logits [r, d] -> [r]      sum_j x l - softplus(l)   (row i of logits with row i mod m of x)
 *   ElboBernoulliLogLikelihoodGrad  x, logits, dy [r]       -> [r, d]   dy (x - sigmoid(l))
 *
 * @elbo/prob's Bernoulli likelihood calls them where the backend has them
 * (by these names) and the shapes suit (d a multiple of 4), else composes
 * tfjs ops. Why: the composed form is eight passes over every pixel (mul,
 * relu, abs, neg, softplus, two subs, sum), two of them broadcasting x over
 * the K samples of log p(x); fused it is one, with no intermediate tensors.
 */
export const BERNOULLI_LOG_LIKELIHOOD_KERNEL = 'ElboBernoulliLogLikelihood';
export const BERNOULLI_LOG_LIKELIHOOD_GRAD_KERNEL = 'ElboBernoulliLogLikelihoodGrad';

type BernoulliRows = (
  x: number,
  l: number,
  dy: number,
  out: number,
  rows: number,
  xRows: number,
  rowBytes: number,
  gradient: number,
) => void;

/** The kernel on `memory`: its polynomials on fused multiply-adds where relaxed SIMD is available, plain SIMD otherwise, else null. */
const bernoulliModule = (memory: WebAssembly.Memory) => {
  for (const relaxed of [true, false]) {
    const kernel = instantiateKernel<BernoulliRows>(bernoulliRowsWasm, memory, { relaxed });
    if (kernel != null) return { kernel, memory };
  }
  return null;
};

/**
 * The module's bytes, for a shared memory or not (the helper threads
 * instantiate it on theirs), with fused multiply-adds (relaxed SIMD) or not:
 * the same engine check as the matMul's decides it on both sides, so a
 * helper's rows have the training thread's bytes.
 */
export function bernoulliRowsModuleBytes(shared: boolean, fused: boolean): Uint8Array<ArrayBuffer> {
  return kernelBytes(bernoulliRowsWasm, { shared, relaxed: fused });
}

/** [m, d], [r, d] (and dy [r]) as the kernels need them, or an error naming what came. */
function checkShapes(
  kernel: string,
  x: tf.TensorInfo,
  logits: tf.TensorInfo,
  dy?: tf.TensorInfo,
): { rows: number; xRows: number; width: number } {
  const show = (t: tf.TensorInfo) => `[${t.shape.join(', ')}] ${t.dtype}`;
  const fail = (expected: string) =>
    new Error(`${kernel}: ${expected}; got x ${show(x)}, logits ${show(logits)}${dy ? `, dy ${show(dy)}` : ''}`);
  if (x.shape.length !== 2 || logits.shape.length !== 2) throw fail('x and logits must be matrices');
  const [xRows, width] = x.shape as [number, number];
  const [rows, logitsWidth] = logits.shape as [number, number];
  if (x.dtype !== 'float32' || logits.dtype !== 'float32' || (dy != null && dy.dtype !== 'float32')) throw fail('float32 inputs');
  if (width !== logitsWidth || width % 4 !== 0) throw fail('x and logits of one width, a multiple of 4');
  if (xRows === 0 ? rows !== 0 : rows % xRows !== 0) throw fail("logits' rows a multiple of x's");
  if (dy != null && (dy.shape.length !== 1 || dy.shape[0] !== rows)) throw fail("dy of shape [logits' rows]");
  return { rows, xRows, width };
}

function run(
  args: WasmKernelArgs,
  { kernel, memory }: { kernel: BernoulliRows; memory: WebAssembly.Memory },
  gradient: boolean,
): tf.TensorInfo {
  const { x, logits, dy } = args.inputs as { x: tf.TensorInfo; logits: tf.TensorInfo; dy?: tf.TensorInfo };
  const name = gradient ? BERNOULLI_LOG_LIKELIHOOD_GRAD_KERNEL : BERNOULLI_LOG_LIKELIHOOD_KERNEL;
  if (gradient && dy == null) throw new Error(`${name}: input dy is missing`);
  const { rows, xRows, width } = checkShapes(name, x, logits, dy);
  const backend = args.backend as WasmBackendInternals;
  const out = backend.makeOutput(gradient ? [rows, width] : [rows], 'float32');
  const offset = (t: tf.TensorInfo) => backend.dataIdMap.get(t.dataId).memoryOffset;
  if (rows > 0 && width > 0) {
    const at = { x: offset(x), logits: offset(logits), dy: dy == null ? 0 : offset(dy), out: offset(out) };
    // Large runs (logLikelihood's chunks) are shared by rows with helper threads where there are some.
    const helpers = threadHelpers();
    const own = helpers == null ? rows : bernoulliCallerRows(rows, xRows, width, helpers.count);
    const finish = own < rows ? helpers!.startBernoulli({ memory, ...at, rows, xRows, width, gradient }, own) : null;
    const runRows = (from: number, to: number): void => {
      // Rows from a multiple of xRows on (or x's own rows where they pair one to one) pair with x as the whole run does.
      const xFrom = rows === xRows ? from : 0;
      const outRow = gradient ? 4 * width : 4;
      kernel(
        at.x + xFrom * 4 * width,
        at.logits + from * 4 * width,
        at.dy === 0 ? 0 : at.dy + 4 * from,
        at.out + from * outRow,
        to - from,
        rows === xRows ? to - from : xRows,
        4 * width,
        gradient ? 1 : 0,
      );
    };
    runRows(0, own);
    if (finish != null && !finish()) runRows(own, rows);
  } else if (!gradient && rows > 0) {
    backend.wasm.HEAPF32.fill(0, offset(out) / 4, offset(out) / 4 + rows); // empty rows sum to 0
  }
  return out;
}

/** Registers both kernels on the wasm backend (once per process); false where the engine has no wasm SIMD. */
export function installWasmBernoulli(): boolean {
  const forward = registerWasmKernel(BERNOULLI_LOG_LIKELIHOOD_KERNEL, bernoulliModule, (args, module) => run(args, module, false));
  const backward = registerWasmKernel(BERNOULLI_LOG_LIKELIHOOD_GRAD_KERNEL, bernoulliModule, (args, module) => run(args, module, true));
  return forward != null && backward != null;
}
