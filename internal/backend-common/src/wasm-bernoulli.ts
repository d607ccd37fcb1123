import * as tf from '@tensorflow/tfjs-core';
import { registerWasmKernel, type WasmBackendInternals, type WasmKernelArgs } from './install-wasm-kernel';
import { instantiateKernel } from './kernel-module';
import { bernoulliRowsWasm } from './kernels/bernoulli-rows.wasm';

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

const bernoulliModule = (memory: WebAssembly.Memory) => instantiateKernel<BernoulliRows>(bernoulliRowsWasm, memory);

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

function run(args: WasmKernelArgs, kernel: BernoulliRows, gradient: boolean): tf.TensorInfo {
  const { x, logits, dy } = args.inputs as { x: tf.TensorInfo; logits: tf.TensorInfo; dy?: tf.TensorInfo };
  const name = gradient ? BERNOULLI_LOG_LIKELIHOOD_GRAD_KERNEL : BERNOULLI_LOG_LIKELIHOOD_KERNEL;
  if (gradient && dy == null) throw new Error(`${name}: input dy is missing`);
  const { rows, xRows, width } = checkShapes(name, x, logits, dy);
  const backend = args.backend as WasmBackendInternals;
  const out = backend.makeOutput(gradient ? [rows, width] : [rows], 'float32');
  const offset = (t: tf.TensorInfo) => backend.dataIdMap.get(t.dataId).memoryOffset;
  if (rows > 0 && width > 0) {
    kernel(offset(x), offset(logits), dy == null ? 0 : offset(dy), offset(out), rows, xRows, 4 * width, gradient ? 1 : 0);
  } else if (!gradient && rows > 0) {
    backend.wasm.HEAPF32.fill(0, offset(out) / 4, offset(out) / 4 + rows); // empty rows sum to 0
  }
  return out;
}

/** Registers both kernels on the wasm backend (once per process); false where the engine has no wasm SIMD. */
export function installWasmBernoulli(): boolean {
  const forward = registerWasmKernel(BERNOULLI_LOG_LIKELIHOOD_KERNEL, bernoulliModule, (args, kernel) => run(args, kernel, false));
  const backward = registerWasmKernel(BERNOULLI_LOG_LIKELIHOOD_GRAD_KERNEL, bernoulliModule, (args, kernel) => run(args, kernel, true));
  return forward != null && backward != null;
}
