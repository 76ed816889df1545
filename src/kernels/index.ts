/**
 * Fused WebAssembly SIMD kernels (float32 on f32x4, float64 on f64x2) for the network's jet
 * forward and backward pass:
 * runtime and memory (assemble.ts), GEMM (gemm.ts), element-wise jet rules (jetrule.ts, with the
 * activations of activation.ts), jet sums (elementwise.ts), Adam (adam.ts), and the networks built
 * from them (mlp.ts: plain and modified MLP, periodic embedding, Fourier features, weight
 * factorisation).
 * Every kernel is WAT generated in TypeScript, assembled at run time with wabt and cached per
 * configuration; DESIGN.md "The fast path" records the measurements behind the design.
 */
export {
  Arena,
  CONST_POOL_BYTES,
  KernelRuntime,
  MAX_MEMORY_BYTES,
  PAGE_BYTES,
  detectFeatures,
  type KernelExports,
  type KernelFeatures,
  type SimdVariant,
  type WasmMemory,
} from "./assemble.js";
export {
  Gemm,
  SKINNY_N,
  defaultGemmConfig,
  gemmWat,
  gemmWorkBytes,
  type GemmArgs,
  type GemmConfig,
  type GemmShape,
} from "./gemm.js";
export { type KernelActivation, isKernelActivation } from "./activation.js";
export { type DType, type DTypeInfo, DTYPES } from "./wat.js";
export {
  BiasKernels,
  JetRule,
  LeibnizRule,
  biasWat,
  jetRuleWat,
  layoutKey,
  leibnizWat,
} from "./jetrule.js";
export { ADAM_KERNEL_DEFAULTS, AdamKernel, adamWat, type AdamConstants } from "./adam.js";
export { ElementwiseKernels, elementwiseWat } from "./elementwise.js";
export {
  KernelMlp,
  embedWidth,
  featureWidth,
  kernelMlpUnsupported,
  mlpParamLayout,
  type DenseSlot,
  type KernelArray,
  type KernelMlpOptions,
  type ParamLayout,
} from "./mlp.js";
