import { installWasmMatMulGradient } from './matmul-gradients';
import { installWasmBernoulli } from './wasm-bernoulli';
import { installWasmConv } from './wasm-conv';
import { installWasmGather } from './wasm-gather';
import { installWasmSharedIdentity } from './wasm-shared-identity';
import { installWasmSimdMatMul } from './wasm-simd-matmul';
import { installWasmSimdSoftplus } from './wasm-simd-softplus';
import { installWasmSimdSum } from './wasm-simd-sum';
import { installWasmSimdTranspose } from './wasm-simd-transpose';

/**
 * Installs elbo's wasm gradient and kernels once the wasm backend is
 * initialized, and says which run (for the selection's `reason`). The fused
 * Adam is registered apart (`registerAdamKernels`), since cpu has it too.
 *
 * @param ownMatMul - false keeps XNNPACK's products and forward convolutions (threaded tfjs wasm spreads them over the cores).
 */
export function installWasmKernels({ ownMatMul }: { ownMatMul: boolean }): string {
  installWasmMatMulGradient();
  installWasmSharedIdentity();
  installWasmGather();
  const matMul = ownMatMul ? installWasmSimdMatMul() : null;
  const softplus = installWasmSimdSoftplus();
  const sum = installWasmSimdSum();
  const transpose = installWasmSimdTranspose();
  const bernoulli = installWasmBernoulli();
  const conv = installWasmConv({ forward: ownMatMul });
  const own = [
    matMul != null ? 'matMul' : null,
    'Adam',
    softplus ? 'softplus' : null,
    sum ? 'sum' : null,
    transpose ? 'transpose' : null,
    bernoulli ? 'Bernoulli log-likelihood' : null,
  ]
    .filter((name) => name != null)
    .join(', ');
  const fused = matMul?.fused === true ? ' with fused multiply-add (relaxed SIMD)' : '';
  const convolutions =
    conv == null
      ? "; convolutions on tfjs' kernels (no wasm SIMD), which cannot train them (no Conv2DBackpropFilter)"
      : `; ${conv.kernels.join(', ')} on elbo's SIMD im2col kernels${conv.kernels.includes('Conv2D') ? '' : ', Conv2D on XNNPACK'}`;
  return `${own} on elbo's SIMD kernels${fused}${matMul == null ? '; matMul on XNNPACK' : ''}${convolutions}`;
}
