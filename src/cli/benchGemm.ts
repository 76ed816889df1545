/**
 * `pinnlab bench gemm`: GFLOP/s of the kernel GEMM in the three training shapes (forward A·B,
 * weight gradient Aᵀ·B, input gradient A·Bᵀ) for several register tiles, beside the machine's
 * ceiling for 128-bit WebAssembly SIMD: a register-only loop of independent multiply-adds with
 * no memory traffic. The two together say how far the GEMM is from what wasm can do here.
 */
import { parseArgs } from "node:util";
import { Gemm, type GemmConfig, type GemmShape, KernelRuntime } from "../kernels/index.js";
import { MEMORY_IMPORT } from "../kernels/assemble.js";
import { intFlag, median } from "./args.js";
import { UsageError } from "./errors.js";

/** A register-only loop: `acc` independent vector accumulators, one multiply-add each per trip. */
function peakWat(acc: number, relaxed: boolean, v: "f32x4" | "f64x2" = "f32x4"): string {
  const s = v === "f32x4" ? "f32" : "f64";
  const decl = Array.from({ length: acc }, (_, i) => `(local $c${i} v128)`).join(" ");
  const body = Array.from({ length: acc }, (_, i) =>
    relaxed
      ? `(local.set $c${i} (${v}.relaxed_madd (local.get $a) (local.get $b) (local.get $c${i})))`
      : `(local.set $c${i} (${v}.add (local.get $c${i}) (${v}.mul (local.get $a) (local.get $b))))`,
  ).join("\n");
  // the sum keeps every accumulator live, so no chain can be optimised away
  const sum = Array.from(
    { length: acc },
    (_, i) => `(local.set $a (${v}.add (local.get $a) (local.get $c${i})))`,
  ).join("\n");
  return `(module ${MEMORY_IMPORT}
  (func (export "peak") (param $n i32) (result ${s}) (local $a v128) (local $b v128) ${decl}
    (local.set $a (${v}.splat (${s}.const 1.0000001)))
    (local.set $b (${v}.splat (${s}.const 0.9999999)))
    (loop $l ${body}
      (br_if $l (local.tee $n (i32.sub (local.get $n) (i32.const 1)))))
    ${sum}
    (${v}.extract_lane 0 (local.get $a))))`;
}

/** Parse the bench arguments, run, print. */
export async function benchGemm(args: string[]): Promise<number> {
  const { values } = parseArgs({
    args,
    options: {
      m: { type: "string", default: "8192" },
      n: { type: "string", default: "256" },
      k: { type: "string", default: "256" },
      tiles: { type: "string", default: "4x8,3x12,2x16" },
      rounds: { type: "string", default: "7" },
      precision: { type: "string", default: "float32" },
      plain: { type: "boolean", default: false },
      json: { type: "boolean", default: false },
    },
  });
  const [M, N, K, rounds] = [
    intFlag("m", values.m, 1),
    intFlag("n", values.n, 1),
    intFlag("k", values.k, 1),
    intFlag("rounds", values.rounds, 1),
  ];
  if (values.precision !== "float32" && values.precision !== "float64")
    throw new UsageError(`--precision ${values.precision}: expected float32 or float64`);
  const dtype = values.precision === "float64" ? "f64" : "f32";
  const eb = dtype === "f64" ? 8 : 4;
  const rt = await KernelRuntime.create({ initialBytes: eb * (M * K + K * N + M * N) + 2 ** 24 });
  const relaxed = rt.features.relaxedSimd && !values.plain;
  const tiles: GemmConfig[] = values.tiles.split(",").map((t) => {
    const m = /^(\d+)x(\d+)$/.exec(t.trim());
    if (!m) throw new UsageError(`--tiles ${values.tiles}: expected e.g. 4x8,2x16`);
    return { mr: Number(m[1]), nr: Number(m[2]), relaxed, mc: 120, kc: 256, nc: 256, dtype };
  });
  let gemms: { name: string; g: Gemm }[];
  try {
    gemms = tiles.map((c) => ({ name: `${c.mr}x${c.nr}`, g: Gemm.create(rt, undefined, c) }));
  } catch (e) {
    throw new UsageError(`--tiles: ${(e as Error).message}`);
  }
  // the three operands, reused by all shapes (each shape reads two of them and writes the third)
  const A = rt.arena.alloc(eb * M * K, "bench A");
  const B = rt.arena.alloc(eb * K * N, "bench B");
  const C = rt.arena.alloc(eb * M * N, "bench C");
  rt.view(dtype, A, M * K).forEach((_, i, a) => (a[i] = Math.sin(i)));
  rt.view(dtype, B, K * N).forEach((_, i, a) => (a[i] = Math.cos(i)));
  const shapes: GemmShape[] = ["nn", "tn", "nt"];
  const argsOf = (s: GemmShape) =>
    s === "nn"
      ? { m: M, n: N, k: K, a: A, b: B, c: C } // Z = X W
      : s === "tn"
        ? { m: K, n: N, k: M, a: A, b: C, c: B } // dW = Xᵀ dZ
        : { m: M, n: K, k: N, a: C, b: B, c: A }; // dX = dZ Wᵀ
  const times = new Map<string, number[]>();
  const vshape = dtype === "f64" ? "f64x2" : "f32x4";
  const peak = rt.module(`bench:peak:${relaxed}:${dtype}`, () => peakWat(12, relaxed, vshape))
    .peak as (n: number) => number;
  const trips = 2e7;
  peak(1000);
  // interleaved rounds: every tile and shape, then the peak loop, before the next round
  for (let r = 0; r < rounds + 1; r++) {
    for (const { name, g } of gemms)
      for (const s of shapes) {
        const t0 = performance.now();
        g.run(s, argsOf(s));
        const dt = performance.now() - t0;
        if (r > 0) times.set(`${name} ${s}`, [...(times.get(`${name} ${s}`) ?? []), dt]);
      }
    const t0 = performance.now();
    peak(trips);
    if (r > 0) times.set("peak", [...(times.get("peak") ?? []), performance.now() - t0]);
  }
  const flops = 2 * M * N * K;
  const gf = (key: string, f: number) => f / median(times.get(key) ?? [NaN]) / 1e6;
  const peakGf = gf("peak", trips * 12 * 2 * (16 / eb));
  const rows = gemms.map(({ name }) => ({
    tile: name,
    ...Object.fromEntries(shapes.map((s) => [s, gf(`${name} ${s}`, flops)])),
  }));
  const result = {
    m: M,
    n: N,
    k: K,
    variant: relaxed ? "relaxed" : "plain",
    precision: values.precision,
    rounds,
    gflops: rows,
    peak_gflops: peakGf,
    node: process.version,
  };
  if (values.json) console.log(JSON.stringify(result));
  else {
    console.log(
      `GEMM ${M}x${N}x${K} ${values.precision} (${result.variant} SIMD), GFLOP/s, median of ${rounds} interleaved rounds:`,
    );
    console.log("tile   A·B (fwd)  Aᵀ·B (dW)  A·Bᵀ (dX)");
    for (const r of rows)
      console.log(
        `${r.tile.padEnd(6)} ${shapes
          .map((s) =>
            Number(r[s as keyof typeof r])
              .toFixed(1)
              .padStart(9),
          )
          .join("  ")}`,
      );
    console.log(
      `register-only multiply-add loop (12 ${vshape} accumulators): ${peakGf.toFixed(1)} GFLOP/s`,
    );
  }
  return 0;
}
