// Dense helpers of src/optim/linalg.ts against hand values and independent checks: Cholesky solve
// vs Gaussian elimination, Jacobi eigenpairs (A v = lambda v, orthonormal, sorted), Householder QR
// (Q orthogonal, Q^T A upper triangular), matMul and transpose.
import assert from "node:assert/strict";
import { test } from "node:test";
import {
  cholesky,
  choleskySolve,
  matMul,
  qrQ,
  symEigen,
  symMatVec,
  transpose,
} from "../../src/optim/linalg.js";
import { gaussSolve, mulVec, randomSpd, seeded } from "./helpers.js";

const close = (a: number, b: number, tol: number, what: string) =>
  assert.ok(Math.abs(a - b) <= tol, `${what}: ${a} vs ${b}`);

test("symMatVec, matMul and transpose on hand values", () => {
  assert.deepEqual([...symMatVec(Float64Array.of(2, 1, 1, 3), Float64Array.of(1, -1), 2)], [1, -2]);
  // [1 2 3; 4 5 6] [1 0; 0 1; 1 1] = [4 5; 10 11]
  const C = matMul(Float64Array.of(1, 2, 3, 4, 5, 6), Float64Array.of(1, 0, 0, 1, 1, 1), 2, 3, 2);
  assert.deepEqual([...C], [4, 5, 10, 11]);
  assert.deepEqual([...transpose(Float64Array.of(1, 2, 3, 4, 5, 6), 2, 3)], [1, 4, 2, 5, 3, 6]);
});

test("cholesky: hand 2x2, random SPD solves match Gaussian elimination, indefinite -> null", () => {
  assert.deepEqual([...cholesky(Float64Array.of(4, 2, 2, 2), 2)!], [2, 0, 1, 1]);
  const rand = seeded(3);
  for (const n of [1, 3, 10, 30]) {
    const A = randomSpd(n, rand);
    const b = Float64Array.from({ length: n }, () => rand() - 0.5);
    const L = cholesky(A, n);
    assert.ok(L);
    const x = choleskySolve(L, b, n);
    const ref = gaussSolve(A, b, n);
    x.forEach((v, i) => close(v, ref[i], 1e-12 * (1 + Math.abs(ref[i])), `n=${n} x[${i}]`));
    // L L^T = A
    for (let i = 0; i < n; i++) {
      for (let j = 0; j < n; j++) {
        let s = 0;
        for (let k = 0; k < n; k++) s += L[i * n + k] * L[j * n + k];
        close(s, A[i * n + j], 1e-12 * n, `LL^T[${i},${j}]`);
      }
    }
  }
  assert.equal(cholesky(Float64Array.of(1, 2, 2, 1), 2), null);
  assert.equal(cholesky(Float64Array.of(0, 0, 0, 1), 2), null);
  assert.equal(cholesky(Float64Array.of(NaN, 0, 0, 1), 2), null);
});

test("symEigen: 2x2 by hand, random symmetric eigenpairs, orthonormal vectors, descending", () => {
  const e = symEigen(Float64Array.of(2, 1, 1, 2), 2);
  close(e.values[0], 3, 1e-15, "lambda0");
  close(e.values[1], 1, 1e-15, "lambda1");
  close(Math.abs(e.vectors[0]), Math.SQRT1_2, 1e-15, "v0");
  const rand = seeded(11);
  for (const n of [1, 2, 5, 20]) {
    const A = new Float64Array(n * n);
    for (let i = 0; i < n; i++) {
      for (let j = i; j < n; j++) A[i * n + j] = A[j * n + i] = rand() - 0.5;
    }
    const { values, vectors } = symEigen(A, n);
    for (let k = 0; k < n; k++) {
      const v = Float64Array.from({ length: n }, (_, i) => vectors[i * n + k]);
      const Av = mulVec(A, v, n, n);
      Av.forEach((x, i) => close(x, values[k] * v[i], 1e-13, `n=${n} A v${k}[${i}]`));
      if (k > 0) assert.ok(values[k] <= values[k - 1]);
      for (let l = 0; l < n; l++) {
        let s = 0;
        for (let i = 0; i < n; i++) s += vectors[i * n + k] * vectors[i * n + l];
        close(s, k === l ? 1 : 0, 1e-14, `V^T V[${k},${l}]`);
      }
    }
  }
  // the zero matrix: eigenvalues 0, V = I
  const z = symEigen(new Float64Array(4), 2);
  assert.deepEqual([...z.values], [0, 0]);
  assert.deepEqual([...z.vectors], [1, 0, 0, 1]);
});

test("qrQ: orthogonal, Q^T A upper triangular, LAPACK signs", () => {
  const rand = seeded(5);
  for (const n of [1, 2, 4, 9]) {
    const A = Float64Array.from({ length: n * n }, () => rand() - 0.5);
    const Q = qrQ(A, n);
    const R = matMul(transpose(Q, n, n), A, n, n, n);
    // dgeqrf: R_00 = -sign(a_00) |A e_0| when a reflection is applied (n > 1)
    if (n > 1) assert.ok(R[0] * A[0] < 0, `R00 ${R[0]} vs a00 ${A[0]}`);
    for (let i = 0; i < n; i++) {
      for (let j = 0; j < n; j++) {
        let s = 0;
        for (let k = 0; k < n; k++) s += Q[k * n + i] * Q[k * n + j];
        close(s, i === j ? 1 : 0, 1e-14, `Q^T Q[${i},${j}]`);
        if (i > j) close(R[i * n + j], 0, 1e-14, `R[${i},${j}]`);
      }
    }
  }
  // [3; 4] in the first column: R00 = -5, Q's first column -(0.6, 0.8)
  const Q2 = qrQ(Float64Array.of(3, 1, 4, 2), 2);
  close(Q2[0], -0.6, 1e-15, "Q00");
  close(Q2[2], -0.8, 1e-15, "Q10");
  // already upper triangular: no reflection, Q = I
  assert.deepEqual([...qrQ(Float64Array.of(2, 1, 0, 3), 2)], [1, 0, 0, 1]);
});
