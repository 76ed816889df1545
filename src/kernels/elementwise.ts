/**
 * Element-wise sums and differences of float32 (or float64) buffers (any length: a vector body plus a scalar
 * tail). Jets add channel by channel, so one call over K * E elements adds two whole jets; the
 * modified MLP uses them for D = V - U, h = U + A * D and the sums of its gate adjoints.
 */
import { type KernelRuntime, MEMORY_IMPORT } from "./assemble.js";
import {
  type ConstPool,
  type DType,
  FnBuilder,
  elementwiseLoop,
  get,
  scalarLane,
  vectorLane,
} from "./wat.js";

/** WAT of the module: `add(A, B, C, n)`: C = A + B; `sub(A, B, C, n)`: C = A - B (C may alias). */
export function elementwiseWat(pool: ConstPool, dtype: DType = "f32"): string {
  const fn = (name: string, op: "add" | "sub"): string => {
    const f = new FnBuilder();
    const at = (p: string, off: string) => `(i32.add (local.get ${p}) ${off})`;
    const loop = elementwiseLoop(
      f,
      vectorLane(pool, false, dtype),
      scalarLane(pool, dtype),
      get("$n"),
      (L, off) => {
        const a = f.let(L.type, L.load(at("$A", off)), "a");
        const b = f.let(L.type, L.load(at("$B", off)), "b");
        f.emit(L.store(at("$C", off), op === "add" ? L.add(a, b) : L.sub(a, b)));
      },
    );
    return `(func (export "${name}") (param $A i32) (param $B i32) (param $C i32) (param $n i32)
  ${f.locals}
  ${loop})`;
  };
  return `(module
${MEMORY_IMPORT}
${fn("add", "add")}
${fn("sub", "sub")})`;
}

type Fn = (...args: number[]) => number | undefined;

/** The compiled element-wise kernels bound to a runtime. */
export class ElementwiseKernels {
  private constructor(
    private readonly addFn: Fn,
    private readonly subFn: Fn,
  ) {}

  /** Build (or fetch from the runtime's cache) the kernels. */
  static create(rt: KernelRuntime, dtype: DType = "f32"): ElementwiseKernels {
    const mod = rt.module(dtype === "f64" ? "elementwise:f64" : "elementwise", () =>
      elementwiseWat(rt, dtype),
    );
    return new ElementwiseKernels(mod.add, mod.sub);
  }

  /** C [n] = A [n] + B [n] (byte offsets; C may be A or B). */
  add(a: number, b: number, c: number, n: number): void {
    this.addFn(a, b, c, n);
  }

  /** C [n] = A [n] - B [n] (byte offsets; C may be A or B). */
  sub(a: number, b: number, c: number, n: number): void {
    this.subFn(a, b, c, n);
  }
}
