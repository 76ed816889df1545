// GEMM in its three shapes (A·B, Aᵀ·B, A·Bᵀ), overwrite and accumulate, plain and relaxed builds
// and non-default tiles, on shapes that are and are not multiples of the block sizes, against a
// float64 reference and jax-js's np.matmul; plus strided (sub-matrix) operands.
import assert from "node:assert/strict";
import { test } from "node:test";
import { np, startEngine } from "../../src/engine/index.js";
import { KernelRuntime, type SimdVariant } from "../../src/kernels/assemble.js";
import {
  Gemm,
  type GemmConfig,
  type GemmShape,
  defaultGemmConfig,
} from "../../src/kernels/gemm.js";
import { gemmRef, rand } from "./helpers.js";

await startEngine();
const rt = await KernelRuntime.create();
const VARIANTS: SimdVariant[] = rt.features.relaxedSimd ? ["plain", "relaxed"] : ["plain"];
const U = 2 ** -24; // float32 unit roundoff

// 1x1x1 and primes exercise every edge path (partial register tiles in both directions, partial
// packing panels); 64 and 257x33x129 straddle tile sizes; 300x270x600 crosses the 256 K/N cache
// blocks and the 120-row M block, so accumulation across K blocks is tested too.
const SHAPES: [number, number, number][] = [
  [1, 1, 1],
  [7, 13, 5],
  [64, 64, 64],
  [257, 33, 129],
  [300, 270, 600],
  // fewer than 4 columns: the skinny kernels (row groups of 4 and single rows, 8-vector, 1-vector
  // and scalar column chunks, vector and scalar k)
  [75, 1, 70],
  [75, 3, 37],
  [6, 2, 3],
];

/**
 * Check C against the float64 product: any summation order (blocked, FMA or not) satisfies
 * |fl(C) - C| <= gamma_k * sum_k |a_ik b_kj| with gamma_k ~ k u (Higham, Accuracy and Stability
 * of Numerical Algorithms, 3.1); the initial value of C adds one rounding when accumulating.
 */
function checkRef(
  got: Float32Array,
  C: Float64Array,
  absSum: Float64Array,
  k: number,
  base: Float32Array | null,
  what: string,
): void {
  for (let i = 0; i < got.length; i++) {
    const want = C[i] + (base ? base[i] : 0);
    const tol = (k + 2) * U * (absSum[i] + (base ? Math.abs(base[i]) : 0)) + 1e-30;
    assert.ok(
      Math.abs(got[i] - want) <= tol,
      `${what}: entry ${i}: ${got[i]} vs ${want} (tol ${tol})`,
    );
  }
}

function jaxProduct(
  shape: GemmShape,
  m: number,
  n: number,
  k: number,
  A: Float32Array<ArrayBuffer>,
  B: Float32Array<ArrayBuffer>,
): Float32Array {
  let a = np.array(A, { shape: shape === "tn" ? [k, m] : [m, k], dtype: np.float32 });
  let b = np.array(B, { shape: shape === "nt" ? [n, k] : [k, n], dtype: np.float32 });
  if (shape === "tn") a = np.transpose(a);
  if (shape === "nt") b = np.transpose(b);
  return Float32Array.from(np.matmul(a, b).dataSync());
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
  const A = rand(m * k, seed);
  const B = rand(k * n, seed + 1);
  const C0 = rand(m * n, seed + 2);
  const mark = rt.arena.mark();
  const a = rt.upload(A);
  const b = rt.upload(B);
  const c = rt.upload(accumulate ? C0 : new Float32Array(m * n).fill(Number.NaN));
  g.run(shape, { m, n, k, a, b, c, accumulate });
  const got = Float32Array.from(rt.f32(c, m * n));
  rt.arena.release(mark);
  return { A, B, C0, got };
}

for (const v of VARIANTS) {
  test(`gemm (${v}): every shape vs float64 and jax-js np.matmul, overwrite and accumulate`, () => {
    const g = Gemm.create(rt, v);
    for (const [m, n, k] of SHAPES) {
      for (const shape of ["nn", "tn", "nt"] as GemmShape[]) {
        for (const accumulate of [false, true]) {
          const { A, B, C0, got } = runCase(g, shape, m, n, k, accumulate, m * 31 + n * 7 + k);
          const { C, absSum } = gemmRef(shape, m, n, k, A, B);
          const what = `${v} ${shape} ${m}x${n}x${k}${accumulate ? " +=" : ""}`;
          // overwrite mode starts from NaN: any element not written, or read before written, shows
          checkRef(got, C, absSum, k, accumulate ? C0 : null, what);
          if (!accumulate && m * n * k <= 257 * 33 * 129) {
            // two float32 products, each within gamma_k of the exact one
            const jx = jaxProduct(shape, m, n, k, A, B);
            for (let i = 0; i < got.length; i++)
              assert.ok(
                Math.abs(got[i] - jx[i]) <= 2 * (k + 2) * U * absSum[i] + 1e-30,
                `${what} vs jax-js at ${i}`,
              );
          }
        }
      }
    }
  });
}

test("gemm: non-default register tiles and cache blocks (edges inside every loop level)", () => {
  const configs: GemmConfig[] = [
    { mr: 5, nr: 8, relaxed: false, mc: 10, kc: 7, nc: 32 },
    { mr: 6, nr: 8, relaxed: rt.features.relaxedSimd, mc: 12, kc: 9, nc: 16 },
    { mr: 4, nr: 16, relaxed: false, mc: 12, kc: 16, nc: 48 },
    { mr: 1, nr: 4, relaxed: false, mc: 3, kc: 5, nc: 8 },
    { mr: 3, nr: 12, relaxed: false, mc: 9, kc: 300, nc: 36 },
  ];
  for (const cfg of configs) {
    const g = Gemm.create(rt, cfg.relaxed ? "relaxed" : "plain", cfg);
    for (const [m, n, k] of [
      [1, 1, 1],
      [7, 13, 5],
      [37, 41, 43],
    ]) {
      for (const shape of ["nn", "tn", "nt"] as GemmShape[]) {
        for (const accumulate of [false, true]) {
          const { A, B, C0, got } = runCase(g, shape, m, n, k, accumulate, m + n + k);
          const { C, absSum } = gemmRef(shape, m, n, k, A, B);
          checkRef(
            got,
            C,
            absSum,
            k,
            accumulate ? C0 : null,
            `${JSON.stringify(cfg)} ${shape} ${m}x${n}x${k}`,
          );
        }
      }
    }
  }
});

test("gemm: strided operands (sub-matrices of larger arrays), every shape, and the empty contraction", () => {
  const g = Gemm.create(rt, "plain");
  for (const shape of ["nn", "tn", "nt"] as GemmShape[]) {
    for (const n of [11, 3]) {
      const [m, k] = [9, 6];
      // stored shapes: A [m, k] or [k, m], B [k, n] or [n, k], each with extra columns
      const [ra, ca] = shape === "tn" ? [k, m] : [m, k];
      const [rb, cb] = shape === "nt" ? [n, k] : [k, n];
      const [lda, ldb, ldc] = [ca + 3, cb + 5, n + 2];
      const A = rand(ra * lda, 1);
      const B = rand(rb * ldb, 2);
      const mark = rt.arena.mark();
      const a = rt.upload(A);
      const b = rt.upload(B);
      const c = rt.upload(new Float32Array(m * ldc).fill(7));
      g.run(shape, { m, n, k, a, lda, b, ldb, c, ldc });
      const got = Float32Array.from(rt.f32(c, m * ldc));
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
          assert.ok(
            Math.abs(got[i * ldc + j] - s) <= (k + 2) * U * t,
            `${shape} n=${n} (${i},${j})`,
          );
        }
      }
    }
  }
  // K = 0: overwrite gives zeros, accumulate leaves C alone
  const mark = rt.arena.mark();
  const c2 = rt.upload(new Float32Array(6).fill(3));
  g.run("nn", { m: 2, n: 3, k: 0, a: c2, b: c2, c: c2, accumulate: true });
  assert.deepEqual(Array.from(rt.f32(c2, 6)), [3, 3, 3, 3, 3, 3]);
  g.run("nn", { m: 2, n: 3, k: 0, a: c2, b: c2, c: c2 });
  assert.deepEqual(Array.from(rt.f32(c2, 6)), [0, 0, 0, 0, 0, 0]);
  rt.arena.release(mark);
});

test("gemm: default tiles are the measured spill-free ones (2x16 plain, 4x8 with FMA)", () => {
  assert.deepEqual([defaultGemmConfig("plain").mr, defaultGemmConfig("plain").nr], [2, 16]);
  assert.deepEqual([defaultGemmConfig("relaxed").mr, defaultGemmConfig("relaxed").nr], [4, 8]);
  assert.throws(
    () => Gemm.create(rt, "plain", { mr: 2, nr: 6, relaxed: false, mc: 8, kc: 8, nc: 8 }),
    /nr 6/,
  );
});
