// The float64 eigen-solvers: Jacobi against matrices with known spectra (a rotated diagonal with
// repeated and negative eigenvalues, the tridiagonal Toeplitz matrix), its eigenvectors, and
// Lanczos's top eigenvalues against Jacobi's (decaying spectrum, repeated eigenvalues, low rank).
import assert from "node:assert/strict";
import { test } from "node:test";
import { denseMatVec, lanczosTopK, symmetricEigen } from "../../src/util/eigen.js";
import { Rng } from "../../src/util/rng.js";

/** Q diag(values) Q^T with Q = I - 2 v v^T / (v^T v) (a Householder reflection: orthogonal). */
function rotatedDiagonal(values: readonly number[], seed: number): Float64Array {
  const n = values.length;
  const rng = new Rng(seed);
  const v = Float64Array.from({ length: n }, () => rng.normal());
  const vv = v.reduce((a, b) => a + b * b, 0);
  const Q = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < n; j++) Q[i * n + j] = (i === j ? 1 : 0) - (2 * v[i] * v[j]) / vv;
  }
  const A = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < n; j++) {
      let s = 0;
      for (let k = 0; k < n; k++) s += Q[i * n + k] * values[k] * Q[j * n + k];
      A[i * n + j] = s;
    }
  }
  return A;
}

/** A random symmetric positive semi-definite matrix G G^T with G [n, r], columns scaled by decay^k. */
function decayingPsd(n: number, r: number, decay: number, seed: number): Float64Array {
  const rng = new Rng(seed);
  const G = Float64Array.from({ length: n * r }, (_, i) => rng.normal() * decay ** (i % r));
  const A = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j <= i; j++) {
      let s = 0;
      for (let k = 0; k < r; k++) s += G[i * r + k] * G[j * r + k];
      A[i * n + j] = A[j * n + i] = s;
    }
  }
  return A;
}

function assertClose(a: ArrayLike<number>, b: ArrayLike<number>, tol: number, what: string): void {
  assert.equal(a.length, b.length, `${what}: length`);
  for (let i = 0; i < a.length; i++) {
    assert.ok(Math.abs(a[i] - b[i]) <= tol, `${what}[${i}]: ${a[i]} vs ${b[i]} (tol ${tol})`);
  }
}

test("Jacobi: a rotated diagonal with repeated and negative eigenvalues gives them back", () => {
  const values = [5, -2, 3, 3, 0, 1e-3, 7.5, -2, 0.25, 3, 11, -6];
  const n = values.length;
  const A = rotatedDiagonal(values, 3);
  const { values: got, vectors } = symmetricEigen(A, n, { vectors: true });
  const want = [...values].sort((p, q) => q - p);
  assertClose(got, want, 1e-12 * 11, "eigenvalues");
  // A V = V diag(lambda) and V^T V = I
  const V = vectors as Float64Array;
  for (let j = 0; j < n; j++) {
    for (let i = 0; i < n; i++) {
      let av = 0;
      for (let k = 0; k < n; k++) av += A[i * n + k] * V[k * n + j];
      assert.ok(Math.abs(av - got[j] * V[i * n + j]) < 1e-11, `A v_${j} at ${i}`);
      let vtv = 0;
      for (let k = 0; k < n; k++) vtv += V[k * n + i] * V[k * n + j];
      assert.ok(Math.abs(vtv - (i === j ? 1 : 0)) < 1e-12, `V^T V at ${i},${j}`);
    }
  }
});

test("Jacobi: tridiagonal Toeplitz [-1, 2, -1] has eigenvalues 2 - 2 cos(k pi / (n + 1))", () => {
  const n = 40;
  const A = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    A[i * n + i] = 2;
    if (i + 1 < n) A[i * n + i + 1] = A[(i + 1) * n + i] = -1;
  }
  const want = Array.from({ length: n }, (_, k) => 2 - 2 * Math.cos(((k + 1) * Math.PI) / (n + 1)));
  want.sort((p, q) => q - p);
  assertClose(symmetricEigen(A, n).values, want, 1e-13, "Toeplitz");
});

test("Jacobi: 2 x 2 by hand, the empty matrix, and bad input", () => {
  assertClose(symmetricEigen(Float64Array.of(2, 1, 1, 2), 2).values, [3, 1], 1e-15, "2x2");
  // eigenvalues of [[a, b], [b, c]]: (a + c)/2 +- sqrt(((a - c)/2)^2 + b^2)
  const [a, b, c] = [0.3, -1.7, 4.1];
  const r = Math.sqrt(((a - c) / 2) ** 2 + b * b);
  assertClose(
    symmetricEigen(Float64Array.of(a, b, b, c), 2).values,
    [(a + c) / 2 + r, (a + c) / 2 - r],
    1e-14,
    "2x2 general",
  );
  assert.equal(symmetricEigen(new Float64Array(0), 0).values.length, 0);
  assert.throws(() => symmetricEigen(new Float64Array(5), 2), /expected 4 entries, got 5/);
  assert.throws(() => symmetricEigen(Float64Array.of(NaN), 1), /non-finite/);
});

test("Jacobi keeps small eigenvalues of a graded PSD matrix to high relative accuracy", () => {
  // eigenvalues spanning 12 decades, like an NTK block
  const values = Array.from({ length: 13 }, (_, k) => 10 ** -k);
  const got = symmetricEigen(rotatedDiagonal(values, 5), values.length).values;
  // absolute accuracy ~ eps * lambda_max for all; the large ones to full relative accuracy
  for (let k = 0; k < 8; k++) {
    assert.ok(Math.abs(got[k] - values[k]) <= 1e-15 + 1e-9 * values[k], `lambda_${k}: ${got[k]}`);
  }
  const sum = got.reduce((p, q) => p + q, 0);
  assert.ok(Math.abs(sum - values.reduce((p, q) => p + q, 0)) < 1e-14);
});

test("Lanczos: top eigenvalues of a decaying PSD matrix agree with Jacobi", () => {
  const n = 220;
  const A = decayingPsd(n, 60, 0.85, 7);
  const full = symmetricEigen(A, n).values;
  const k = 8;
  const { values, iterations } = lanczosTopK(denseMatVec(A, n), n, k);
  assert.equal(iterations, 40);
  for (let i = 0; i < k; i++) {
    assert.ok(
      Math.abs(values[i] - full[i]) <= 1e-9 * full[0],
      `lambda_${i}: Lanczos ${values[i]} vs Jacobi ${full[i]}`,
    );
  }
  // a full Krylov space reproduces the whole spectrum
  const all = lanczosTopK(denseMatVec(A, n), n, n, { iterations: n }).values;
  assertClose(all, full, 1e-9 * full[0], "all eigenvalues");
  // reproducible from its seed
  assert.deepEqual(
    lanczosTopK(denseMatVec(A, n), n, k, { seed: 3 }).values,
    lanczosTopK(denseMatVec(A, n), n, k, { seed: 3 }).values,
  );
});

test("Lanczos: repeated eigenvalues and low rank are found through restarts", () => {
  // spectrum {4, 4, 4, 1 (x 27)}: the Krylov space of any start vector has dimension 2
  const values = [4, 4, 4, ...new Array<number>(27).fill(1)];
  const n = values.length;
  const A = rotatedDiagonal(values, 11);
  assertClose(lanczosTopK(denseMatVec(A, n), n, 5).values, [4, 4, 4, 1, 1], 1e-12, "repeated");
  // rank 3 PSD: eigenvalues beyond the third are zero
  const B = decayingPsd(50, 3, 0.5, 2);
  const full = symmetricEigen(B, 50).values;
  const top = lanczosTopK(denseMatVec(B, 50), 50, 6).values;
  assertClose(top, full.slice(0, 6), 1e-12 * full[0], "low rank");
  assert.throws(
    () => lanczosTopK(denseMatVec(B, 50), 50, 0),
    /k must be an integer in \[1, n = 50\]/,
  );
  assert.throws(
    () => lanczosTopK(denseMatVec(B, 50), 50, 6, { iterations: 4 }),
    /iterations \(4\) must be at least k \(6\)/,
  );
});
