/**
 * @elbo/backend-common — what @elbo/backend-node and @elbo/backend-web share:
 * the startup check, the backend-name parser, elbo's wasm kernels and its
 * gradients. Private: each backend bundles it (tsup `noExternal`), so it is
 * a devDependency of both and never a runtime one.
 */
export { registerAdamKernels, ADAM_KERNEL } from './adam-kernel';
export { installWasmKernels } from './wasm-kernels';
export { installWasmMatMulGradient, productGradients, registerFusedMatMulGradient, FUSED_GRADIENT_ACTIVATIONS } from './matmul-gradients';
export { instantiateSimdAdam, simdAdamModuleBytes } from './adam-kernel';
export { simdMatMulModuleBytes } from './wasm-simd-matmul';
export type { SimdMatMul } from './wasm-simd-matmul';
export { simdSoftplusModuleBytes } from './wasm-simd-softplus';
export { simdColumnSumsModuleBytes, simdRowSumsModuleBytes } from './wasm-simd-sum';
export { simdTransposeModuleBytes } from './wasm-simd-transpose';
export { checkMatMulGradient } from './smoke-check';
export { parseBackendNames, show } from './backend-names';
