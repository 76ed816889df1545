/**
 * Engine start-up: the one place that loads jax-js and prepares it for Node.
 *
 * jax-js's plain `init()` probes `navigator` (absent on Node), so we start the WebAssembly backend
 * explicitly. Everything else in pinnlab imports `np`, `jit`, ... from here, never from
 * `@jax-js/jax` directly, so start-up order is guaranteed.
 */
import "./shims.js";
import { defaultDevice, init, numpy as np } from "@jax-js/jax";

export {
  grad,
  hessian,
  jit,
  jvp,
  lax,
  numpy as np,
  tree,
  valueAndGrad,
  vjp,
  vmap,
} from "@jax-js/jax";
export type { Array as JArray, JsTree } from "@jax-js/jax";

let ready: Promise<void> | undefined;

/** Floating-point precision of a training run. float32 is ~10x faster in jax-js's wasm backend. */
export type Precision = "float32" | "float64";

/**
 * Start the jax-js WebAssembly backend once; later calls return the same promise.
 * Must be awaited before any array is created.
 */
export function startEngine(): Promise<void> {
  ready ??= init("wasm").then((devices) => {
    if (!devices.includes("wasm"))
      throw new Error("pinnlab: the jax-js wasm backend did not start");
    defaultDevice("wasm");
  });
  return ready;
}

/**
 * Try to open jax-js's WebGPU device (`init("webgpu")`, browsers only); whether it started. The
 * default device stays WebAssembly: the playground reports the result, training does not use it.
 */
export async function webGpuDeviceStarts(): Promise<boolean> {
  await startEngine();
  return (await init("webgpu")).includes("webgpu");
}

/**
 * Make `device` jax-js's default for every array created afterwards: "wasm" always works,
 * "webgpu" only where {@link webGpuDeviceStarts} (browsers with a GPU; float32 only).
 */
export async function useDevice(device: "wasm" | "webgpu"): Promise<void> {
  await startEngine();
  if (device === "webgpu" && !(await webGpuDeviceStarts()))
    throw new Error("jax-js's WebGPU device does not start in this browser");
  defaultDevice(device);
}

/** The jax-js dtype object for a precision. */
export function dtypeOf(p: Precision): np.DType {
  switch (p) {
    case "float32":
      return np.float32;
    case "float64":
      return np.float64;
    default: {
      const never: never = p;
      throw new Error(`unknown precision ${String(never)}`);
    }
  }
}

/** Build an array of the given shape from JS numbers (copied), in the given precision. */
export function fromData(
  data: ArrayLike<number>,
  shape: number[],
  p: Precision = "float32",
): np.Array {
  const buf = p === "float64" ? Float64Array.from(data) : Float32Array.from(data);
  return np.array(buf, { shape, dtype: dtypeOf(p) });
}
