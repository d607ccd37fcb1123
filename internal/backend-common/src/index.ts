/**
 * @elbo/backend-common — what @elbo/backend-node and @elbo/backend-web share:
 * the startup check, the backend-name parser, elbo's wasm kernels and its
 * gradients. Private: each backend bundles it (tsup `noExternal`), so it is
 * a devDependency of both and never a runtime one.
 */
// Selection
export { checkMatMulGradient } from './smoke-check';
export { parseBackendNames, show } from './backend-names';
// Kernels and gradients, as selectBackend installs them
export { ADAM_KERNEL, registerAdamKernels } from './adam-kernel';
export { installWasmKernels } from './wasm-kernels';
export { BERNOULLI_LOG_LIKELIHOOD_GRAD_KERNEL, BERNOULLI_LOG_LIKELIHOOD_KERNEL, bernoulliRowsModuleBytes } from './wasm-bernoulli';
export { FUSED_GRADIENT_ACTIVATIONS, installWasmMatMulGradient, productGradients, registerFusedMatMulGradient } from './matmul-gradients';
// The kernel modules' bytes and instances (for the backends' tests)
export { instantiateSimdAdam, simdAdamModuleBytes } from './adam-kernel';
export { installWasmSimdMatMul, matMulRowBlock, simdMatMulModuleBytes } from './wasm-simd-matmul';
export { bernoulliCallerRows, callerRows, MIN_SHARED_BERNOULLI_VALUES, MIN_SHARED_MULTIPLY_ADDS } from './thread-helpers';
export { setThreadHelpers, threadHelpers } from './thread-helpers';
export type { BernoulliOnMemory, ProductOnMemory, ThreadHelpers } from './thread-helpers';
export type { SimdMatMul } from './wasm-simd-matmul';
export { simdSoftplusModuleBytes } from './wasm-simd-softplus';
export { simdColumnSumsModuleBytes, simdRowSumsModuleBytes } from './wasm-simd-sum';
export { simdTransposeModuleBytes } from './wasm-simd-transpose';
export { convGeometry, convModules, convPatchesModuleBytes, installWasmConv, simdGemmModuleBytes } from './wasm-conv';
export { backpropFilterKernel, backpropInputKernel, conv2dKernel } from './wasm-conv';
export { wasmMemory } from './install-wasm-kernel';
export type { ConvGeometry, ConvModules, ConvPatches, SimdGemm, WasmConvInfo } from './wasm-conv';
export { guardWasmAllocations, WasmOutOfMemoryError } from './wasm-allocation-guard';
