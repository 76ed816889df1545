// Test functions shared by the optimiser tests: Rosenbrock, a quadratic with a known minimiser, a
// seeded generator, and small dense-matrix helpers written independently of src/optim/linalg.ts.

/** Extended Rosenbrock (Moré, Garbow & Hillstrom 1981): independent pairs, minimum 0 at 1. */
export function rosenbrock(x: Float64Array): { f: number; g: Float64Array } {
  let f = 0;
  const g = new Float64Array(x.length);
  for (let i = 0; i < x.length; i += 2) {
    const a = 1 - x[i];
    const b = x[i + 1] - x[i] * x[i];
    f += a * a + 100 * b * b;
    g[i] = -2 * a - 400 * x[i] * b;
    g[i + 1] = 200 * b;
  }
  return { f, g };
}

/** (-1.2, 1, -1.2, 1, ...), the classic Rosenbrock start. */
export const rosenbrockStart = (n: number) =>
  Float64Array.from({ length: n }, (_, i) => (i % 2 === 0 ? -1.2 : 1));

/**
 * f = 1/2 (x - x*)^T A (x - x*) with A tridiagonal (4 on the diagonal, 1 off it: SPD, eigenvalues
 * in [2, 6]) and x* = (1, 2, ..., n): minimum 0 at x*, so f's rounding does not limit |x - x*|.
 */
export function quadratic(n: number) {
  const xStar = Float64Array.from({ length: n }, (_, i) => i + 1);
  const fg = (x: Float64Array) => {
    const e = x.map((v, i) => v - xStar[i]);
    const g = e.map((v, i) => 4 * v + (i > 0 ? e[i - 1] : 0) + (i < n - 1 ? e[i + 1] : 0));
    return { f: 0.5 * e.reduce((s, v, i) => s + v * g[i], 0), g };
  };
  return { xStar, fg };
}

/** Mulberry32: a seeded uniform generator on [0, 1). */
export function seeded(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export const dot = (a: ArrayLike<number>, b: ArrayLike<number>) => {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i] * b[i];
  return s;
};

export const norm = (a: ArrayLike<number>) => Math.sqrt(dot(a, a));

/** A x for a row-major [m, n] A. */
export function mulVec(A: ArrayLike<number>, x: ArrayLike<number>, m: number, n: number) {
  const y = new Float64Array(m);
  for (let i = 0; i < m; i++) for (let j = 0; j < n; j++) y[i] += A[i * n + j] * x[j];
  return y;
}

/** A random SPD matrix M M^T + n I, [n, n] row-major. */
export function randomSpd(n: number, rand: () => number): Float64Array {
  const M = Float64Array.from({ length: n * n }, () => rand() - 0.5);
  const A = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < n; j++) {
      let s = i === j ? n : 0;
      for (let k = 0; k < n; k++) s += M[i * n + k] * M[j * n + k];
      A[i * n + j] = s;
    }
  }
  return A;
}

/** Solve A x = b by Gaussian elimination with partial pivoting (A [n, n] row-major). */
export function gaussSolve(A: ArrayLike<number>, b: ArrayLike<number>, n: number): Float64Array {
  const a = Array.from({ length: n }, (_, i) => [
    ...Array.from({ length: n }, (_, j) => A[i * n + j]),
    b[i],
  ]);
  for (let c = 0; c < n; c++) {
    let p = c;
    for (let r = c + 1; r < n; r++) if (Math.abs(a[r][c]) > Math.abs(a[p][c])) p = r;
    [a[c], a[p]] = [a[p], a[c]];
    for (let r = c + 1; r < n; r++) {
      const m = a[r][c] / a[c][c];
      for (let k = c; k <= n; k++) a[r][k] -= m * a[c][k];
    }
  }
  const x = new Float64Array(n);
  for (let r = n - 1; r >= 0; r--) {
    let s = a[r][n];
    for (let k = r + 1; k < n; k++) s -= a[r][k] * x[k];
    x[r] = s / a[r][r];
  }
  return x;
}
