/**
 * Adam's update in place on flat float32 (or float64) parameters, moments and gradients, in one pass
 * (params, m, v read and written once, grads read once).
 *
 * It matches `adamUpdate` in `src/optim/adam.ts` operation for operation:
 *   m <- m * b1 + g * (1 - b1)
 *   v <- v * b2 + (g * g) * (1 - b2)
 *   p <- p - (m * step) / (sqrt(v) / rc2 + eps),   step = lr / c1, rc2 = sqrt(c2)
 * with the bias corrections c1 = 1 - b1^t, c2 = 1 - b2^t passed in as scalars. No fused
 * multiply-add is used even in the relaxed variant, so results equal jax-js's float32 arithmetic
 * up to its rounding of the scalar constants; the update is memory-bound, FMA would buy nothing.
 * The float64 build (f64x2) takes its scalars unrounded, as jax-js's float64 arrays hold them.
 */
import { type KernelRuntime, MEMORY_IMPORT } from "./assemble.js";
import {
  type ConstPool,
  type DType,
  DTYPES,
  FnBuilder,
  type Lane,
  elementwiseLoop,
  get,
  scalarLane,
  vectorLane,
} from "./wat.js";

/** WAT of the Adam module: export `step(P, M, V, G, n, b1, 1-b1, b2, 1-b2, eps, step, rc2)`. */
export function adamWat(pool: ConstPool, dtype: DType = "f32"): string {
  const t = DTYPES[dtype];
  const f = new FnBuilder();
  const names = ["b1", "ob1", "b2", "ob2", "eps", "step", "rc2"];
  const splat = new Map<string, string>();
  for (const n of names) splat.set(n, f.let("v128", `(${t.v}.splat (local.get $${n}))`, `${n}v`));
  const param = (L: Lane, n: string) =>
    L.width === t.lanes ? (splat.get(n) as string) : `(local.get $${n})`;
  const at = (base: string, off: string) => `(i32.add (local.get ${base}) ${off})`;
  const loop = elementwiseLoop(
    f,
    vectorLane(pool, false, dtype),
    scalarLane(pool, dtype),
    get("$n"),
    (L, off) => {
      const g = f.let(L.type, L.load(at("$G", off)), "g");
      const m = f.let(
        L.type,
        L.add(L.mul(L.load(at("$M", off)), param(L, "b1")), L.mul(g, param(L, "ob1"))),
        "m",
      );
      const v = f.let(
        L.type,
        L.add(L.mul(L.load(at("$V", off)), param(L, "b2")), L.mul(L.mul(g, g), param(L, "ob2"))),
        "v",
      );
      const den = L.add(L.div(L.sqrt(v), param(L, "rc2")), param(L, "eps"));
      const p = L.sub(L.load(at("$P", off)), L.div(L.mul(m, param(L, "step")), den));
      f.emit(L.store(at("$M", off), m), L.store(at("$V", off), v), L.store(at("$P", off), p));
    },
  );
  return `(module
${MEMORY_IMPORT}
(func (export "step") (param $P i32) (param $M i32) (param $V i32) (param $G i32) (param $n i32)
  ${names.map((n) => `(param $${n} ${t.s})`).join(" ")}
  ${f.locals}
  ${loop}))`;
}

/** Adam's constants (the same shape as `AdamOptions` in src/optim/adam.ts). */
export interface AdamConstants {
  readonly b1: number;
  readonly b2: number;
  readonly eps: number;
}

/** Kingma & Ba's defaults, equal to `ADAM_DEFAULTS` of src/optim/adam.ts. */
export const ADAM_KERNEL_DEFAULTS: AdamConstants = { b1: 0.9, b2: 0.999, eps: 1e-8 };

/** The compiled Adam update bound to a runtime. */
export class AdamKernel {
  private constructor(
    private readonly fn: (...args: number[]) => number | undefined,
    /** Element type of the buffers it updates. */
    readonly dtype: DType,
  ) {}

  /** Build (or fetch from the runtime's cache) the Adam kernel of an element type. */
  static create(rt: KernelRuntime, dtype: DType = "f32"): AdamKernel {
    const key = dtype === "f64" ? "adam:f64" : "adam";
    return new AdamKernel(rt.module(key, () => adamWat(rt, dtype)).step, dtype);
  }

  /**
   * One Adam step in place on n floats at byte offsets p, m, v (updated) and g (read).
   * @param lr learning rate
   * @param c1 bias correction 1 - b1^t (t = this step's count, from 1)
   * @param c2 bias correction 1 - b2^t
   */
  step(
    p: number,
    m: number,
    v: number,
    g: number,
    n: number,
    lr: number,
    c1: number,
    c2: number,
    o: AdamConstants = ADAM_KERNEL_DEFAULTS,
  ): void {
    if (this.dtype === "f64") {
      // float64: the scalars as jax-js's float64 arrays compute them
      const step = lr / c1;
      const rc2 = Math.sqrt(c2);
      this.fn(p, m, v, g, n, o.b1, 1 - o.b1, o.b2, 1 - o.b2, o.eps, step, rc2);
      return;
    }
    const f = Math.fround;
    // scalars rounded the way jax-js's float32 arrays round them: step = lr / c1, rc2 = sqrt(c2)
    const step = f(f(lr) / f(c1));
    const rc2 = f(Math.sqrt(f(c2)));
    this.fn(p, m, v, g, n, o.b1, f(1 - o.b1), o.b2, f(1 - o.b2), o.eps, step, rc2);
  }
}
