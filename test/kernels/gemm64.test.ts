// Float64 GEMM (f64x2) in its three shapes, overwrite and accumulate, plain and relaxed builds and
// non-default tiles, against a naive float64 product with Higham's bound in float64's unit
// roundoff, plus strided operands and the empty contraction.
import assert from "node:assert/strict";
import { test } from "node:test";
import { KernelRuntime, type SimdVariant } from "../../src/kernels/assemble.js";
import {
  Gemm,
  type GemmConfig,
  type GemmShape,
  defaultGemmConfig,
} from "../../src/kernels/gemm.js";
import { gemmRef, rand64 } from "./helpers.js";

const rt = await KernelRuntime.create();
const VARIANTS: SimdVariant[] = rt.features.relaxedSimd ? ["plain", "relaxed"] : ["plain"];
const U = 2 ** -53; // float64 unit roundoff

// as gemm.test.ts: edge tiles, tile-straddling sizes, K and N beyond the 256 cache blocks, M
// beyond the 120-row block, and the skinny (n < 4) kernels
const SHAPES: [number, number, number][] = [
  [1, 1, 1],
  [7, 13, 5],
  [64, 64, 64],
  [257, 33, 129],
  [300, 270, 600],
  [75, 1, 70],
  [75, 3, 37],
  [6, 2, 3],
];

/** |fl(C) - C| <= gamma_{k+2} sum |a b| (+ |C0|) in float64 (Higham 3.1). */
function checkRef(
  got: Float64Array,
  C: Float64Array,
  absSum: Float64Array,
  k: number,
  base: Float64Array | null,
  what: string,
): number {
  let worst = 0;
  for (let i = 0; i < got.length; i++) {
    const want = C[i] + (base ? base[i] : 0);
    const scale = absSum[i] + (base ? Math.abs(base[i]) : 0);
    const tol = (k + 2) * U * scale + 1e-300;
    const err = Math.abs(got[i] - want);
    assert.ok(err <= tol, `${what}: entry ${i}: ${got[i]} vs ${want} (tol ${tol})`);
    worst = Math.max(worst, err / scale);
  }
  return worst;
}

function runCase(
  g: Gemm,
  shape: GemmShape,
  m: number,
  n: number,
  k: number,
  accumulate: boolean,
  seed: number,
) {
  const A = rand64(m * k, seed);
  const B = rand64(k * n, seed + 1);
  const C0 = rand64(m * n, seed + 2);
  const mark = rt.arena.mark();
  const a = rt.upload64(A);
  const b = rt.upload64(B);
  const c = rt.upload64(accumulate ? C0 : new Float64Array(m * n).fill(Number.NaN));
  g.run(shape, { m, n, k, a, b, c, accumulate });
  const got = Float64Array.from(rt.f64(c, m * n));
  rt.arena.release(mark);
  return { A, B, C0, got };
}

for (const v of VARIANTS) {
  test(`gemm f64 (${v}): every shape vs a naive float64 product, overwrite and accumulate`, () => {
    const g = Gemm.create(rt, v, undefined, "f64");
    assert.equal(g.config.dtype, "f64");
    let worst = 0;
    for (const [m, n, k] of SHAPES) {
      for (const shape of ["nn", "tn", "nt"] as GemmShape[]) {
        for (const accumulate of [false, true]) {
          const { A, B, C0, got } = runCase(g, shape, m, n, k, accumulate, m * 31 + n * 7 + k);
          const { C, absSum } = gemmRef(shape, m, n, k, A, B);
          const what = `${v} ${shape} ${m}x${n}x${k}${accumulate ? " +=" : ""}`;
          worst = Math.max(worst, checkRef(got, C, absSum, k, accumulate ? C0 : null, what));
        }
      }
    }
    // the bound above allows up to ~600 u; the blocked sums are far better in practice
    assert.ok(worst < 1e-14, `worst relative error ${worst}`);
    assert.ok(worst > 0, "the products are not trivially exact");
  });
}

test("gemm f64: non-default register tiles and cache blocks (edges inside every loop level)", () => {
  const configs: GemmConfig[] = [
    { mr: 5, nr: 6, relaxed: false, mc: 10, kc: 7, nc: 30 },
    { mr: 4, nr: 4, relaxed: rt.features.relaxedSimd, mc: 12, kc: 9, nc: 16 },
    { mr: 2, nr: 8, relaxed: false, mc: 12, kc: 16, nc: 48 },
    { mr: 3, nr: 4, relaxed: rt.features.relaxedSimd, mc: 9, kc: 300, nc: 36 },
    { mr: 1, nr: 4, relaxed: false, mc: 3, kc: 5, nc: 8 },
  ];
  for (const cfg of configs) {
    const g = Gemm.create(rt, cfg.relaxed ? "relaxed" : "plain", cfg, "f64");
    for (const [m, n, k] of [
      [1, 1, 1],
      [7, 13, 5],
      [37, 41, 43],
    ]) {
      for (const shape of ["nn", "tn", "nt"] as GemmShape[]) {
        for (const accumulate of [false, true]) {
          const { A, B, C0, got } = runCase(g, shape, m, n, k, accumulate, m + n + k);
          const { C, absSum } = gemmRef(shape, m, n, k, A, B);
          checkRef(got, C, absSum, k, accumulate ? C0 : null, `${JSON.stringify(cfg)} ${shape}`);
        }
      }
    }
  }
});

test("gemm f64: strided operands, every shape, and the empty contraction", () => {
  const g = Gemm.create(rt, "plain", undefined, "f64");
  for (const shape of ["nn", "tn", "nt"] as GemmShape[]) {
    for (const n of [11, 3]) {
      const [m, k] = [9, 6];
      const [ra, ca] = shape === "tn" ? [k, m] : [m, k];
      const [rb, cb] = shape === "nt" ? [n, k] : [k, n];
      const [lda, ldb, ldc] = [ca + 3, cb + 5, n + 2];
      const A = rand64(ra * lda, 1);
      const B = rand64(rb * ldb, 2);
      const mark = rt.arena.mark();
      const a = rt.upload64(A);
      const b = rt.upload64(B);
      const c = rt.upload64(new Float64Array(m * ldc).fill(7));
      g.run(shape, { m, n, k, a, lda, b, ldb, c, ldc });
      const got = Float64Array.from(rt.f64(c, m * ldc));
      rt.arena.release(mark);
      for (let i = 0; i < m; i++) {
        for (let j = 0; j < ldc; j++) {
          if (j >= n) {
            assert.equal(got[i * ldc + j], 7, "padding columns of C untouched");
            continue;
          }
          let s = 0;
          let t = 0;
          for (let p = 0; p < k; p++) {
            const x = shape === "tn" ? A[p * lda + i] : A[i * lda + p];
            const y = shape === "nt" ? B[j * ldb + p] : B[p * ldb + j];
            s += x * y;
            t += Math.abs(x * y);
          }
          assert.ok(Math.abs(got[i * ldc + j] - s) <= (k + 2) * U * t, `${shape} n=${n}`);
        }
      }
    }
  }
  const mark = rt.arena.mark();
  const c2 = rt.upload64(new Float64Array(6).fill(3));
  g.run("nn", { m: 2, n: 3, k: 0, a: c2, b: c2, c: c2, accumulate: true });
  assert.deepEqual(Array.from(rt.f64(c2, 6)), [3, 3, 3, 3, 3, 3]);
  g.run("nn", { m: 2, n: 3, k: 0, a: c2, b: c2, c: c2 });
  assert.deepEqual(Array.from(rt.f64(c2, 6)), [0, 0, 0, 0, 0, 0]);
  rt.arena.release(mark);
});

test("gemm f64: default tiles (4x4 plain and with FMA) and nr must be a multiple of 2", () => {
  const p = defaultGemmConfig("plain", "f64");
  const r = defaultGemmConfig("relaxed", "f64");
  assert.deepEqual([p.mr, p.nr, p.dtype], [4, 4, "f64"]);
  assert.deepEqual([r.mr, r.nr, r.dtype], [4, 4, "f64"]);
  assert.throws(
    () => Gemm.create(rt, "plain", { mr: 2, nr: 5, relaxed: false, mc: 8, kc: 8, nc: 8 }, "f64"),
    /nr 5/,
  );
});
