/**
 * Small dense linear algebra for the optimisers, row-major float64: symmetric matrix-vector
 * products, Cholesky factorisation and solve, the cyclic Jacobi eigendecomposition of a symmetric
 * matrix and a Householder QR. Self-contained (no jax-js, no Node built-ins) so `src/optim` runs in
 * a browser. Reference: Golub & Van Loan, "Matrix Computations" (4th ed., 2013): Alg. 4.2.2
 * (Cholesky), 8.5.3 (cyclic Jacobi), 5.2.1 (Householder QR).
 */

/**
 * y = A x for a symmetric A [n, n] row-major (only the full rows are read, so any square A works).
 * @param out optional output [n] (must not alias x)
 * @example symMatVec(Float64Array.of(2, 1, 1, 2), Float64Array.of(1, 0), 2) // [2, 1]
 */
export function symMatVec(
  A: Float64Array,
  x: Float64Array,
  n: number,
  out: Float64Array = new Float64Array(n),
): Float64Array {
  for (let i = 0; i < n; i++) {
    let s = 0;
    const row = i * n;
    for (let j = 0; j < n; j++) s += A[row + j] * x[j];
    out[i] = s;
  }
  return out;
}

/**
 * C = A B for A [m, k] and B [k, n], row-major.
 * @example matMul(Float64Array.of(1, 2), Float64Array.of(3, 4), 1, 2, 1) // [11]
 */
export function matMul(
  A: Float64Array,
  B: Float64Array,
  m: number,
  k: number,
  n: number,
): Float64Array {
  const C = new Float64Array(m * n);
  for (let i = 0; i < m; i++) {
    for (let p = 0; p < k; p++) {
      const a = A[i * k + p];
      if (a === 0) continue;
      const rb = p * n;
      const rc = i * n;
      for (let j = 0; j < n; j++) C[rc + j] += a * B[rb + j];
    }
  }
  return C;
}

/** A^T [n, m] of A [m, n], row-major. */
export function transpose(A: Float64Array, m: number, n: number): Float64Array {
  const T = new Float64Array(m * n);
  for (let i = 0; i < m; i++) for (let j = 0; j < n; j++) T[j * m + i] = A[i * n + j];
  return T;
}

/**
 * Cholesky factor L (lower triangular, row-major [n, n], upper part zero) with A = L L^T, of a
 * symmetric positive definite A [n, n] (only its lower triangle is read). Returns null when a
 * pivot is not positive and finite (A not numerically positive definite).
 * @example cholesky(Float64Array.of(4, 2, 2, 2), 2) // [2, 0, 1, 1]
 */
export function cholesky(A: Float64Array, n: number): Float64Array | null {
  const L = new Float64Array(n * n);
  for (let j = 0; j < n; j++) {
    const rj = j * n;
    let d = A[rj + j];
    for (let k = 0; k < j; k++) d -= L[rj + k] * L[rj + k];
    if (!(d > 0) || !Number.isFinite(d)) return null;
    const ljj = Math.sqrt(d);
    L[rj + j] = ljj;
    for (let i = j + 1; i < n; i++) {
      const ri = i * n;
      let s = A[ri + j];
      for (let k = 0; k < j; k++) s -= L[ri + k] * L[rj + k];
      L[ri + j] = s / ljj;
    }
  }
  return L;
}

/**
 * Solve A x = b given A's Cholesky factor L [n, n] (from `cholesky`): forward then back
 * substitution. b [n] is not modified.
 * @example choleskySolve(cholesky(Float64Array.of(4, 2, 2, 2), 2)!, Float64Array.of(6, 4), 2) // [1, 1]
 */
export function choleskySolve(L: Float64Array, b: Float64Array, n: number): Float64Array {
  const x = Float64Array.from(b);
  for (let i = 0; i < n; i++) {
    let s = x[i];
    const ri = i * n;
    for (let k = 0; k < i; k++) s -= L[ri + k] * x[k];
    x[i] = s / L[ri + i];
  }
  for (let i = n - 1; i >= 0; i--) {
    let s = x[i];
    for (let k = i + 1; k < n; k++) s -= L[k * n + i] * x[k];
    x[i] = s / L[i * n + i];
  }
  return x;
}

/** Eigendecomposition of a symmetric matrix. */
export interface SymEigen {
  /** Eigenvalues [n], largest first. */
  readonly values: Float64Array;
  /** Eigenvectors [n, n] row-major, column j belonging to values[j]. */
  readonly vectors: Float64Array;
}

/**
 * All eigenvalues and eigenvectors of a symmetric A [n, n] (row-major, not modified; its
 * symmetric part is used) by the cyclic Jacobi method (Golub & Van Loan Alg. 8.5.3), sorted
 * largest first. Converges quadratically; fine up to n of a few hundred.
 * @param maxSweeps sweeps before giving up (each visits every off-diagonal pair once), default 60
 * @example symEigen(Float64Array.of(2, 1, 1, 2), 2).values // [3, 1]
 */
export function symEigen(A: Float64Array, n: number, maxSweeps = 60): SymEigen {
  const a = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < n; j++) a[i * n + j] = 0.5 * (A[i * n + j] + A[j * n + i]);
  }
  const v = new Float64Array(n * n);
  for (let i = 0; i < n; i++) v[i * n + i] = 1;
  for (let sweep = 0; sweep < maxSweeps; sweep++) {
    let off = 0;
    let diag = 0;
    for (let p = 0; p < n; p++) {
      diag += a[p * n + p] * a[p * n + p];
      for (let q = p + 1; q < n; q++) off += a[p * n + q] * a[p * n + q];
    }
    if (off <= 1e-32 * diag || off === 0) break;
    for (let p = 0; p < n - 1; p++) {
      for (let q = p + 1; q < n; q++) {
        const apq = a[p * n + q];
        if (apq === 0) continue;
        const app = a[p * n + p];
        const aqq = a[q * n + q];
        // rotation angle: tan(2 theta) = 2 a_pq / (a_qq - a_pp), the smaller root for stability
        const tau = (aqq - app) / (2 * apq);
        const t = (tau >= 0 ? 1 : -1) / (Math.abs(tau) + Math.sqrt(1 + tau * tau));
        const c = 1 / Math.sqrt(1 + t * t);
        const s = t * c;
        for (let k = 0; k < n; k++) {
          const akp = a[k * n + p];
          const akq = a[k * n + q];
          a[k * n + p] = c * akp - s * akq;
          a[k * n + q] = s * akp + c * akq;
        }
        for (let k = 0; k < n; k++) {
          const apk = a[p * n + k];
          const aqk = a[q * n + k];
          a[p * n + k] = c * apk - s * aqk;
          a[q * n + k] = s * apk + c * aqk;
        }
        for (let k = 0; k < n; k++) {
          const vkp = v[k * n + p];
          const vkq = v[k * n + q];
          v[k * n + p] = c * vkp - s * vkq;
          v[k * n + q] = s * vkp + c * vkq;
        }
      }
    }
  }
  const order = Array.from({ length: n }, (_, i) => i).sort(
    (i, j) => a[j * n + j] - a[i * n + i] || i - j,
  );
  const values = new Float64Array(n);
  const vectors = new Float64Array(n * n);
  order.forEach((src, dst) => {
    values[dst] = a[src * n + src];
    for (let k = 0; k < n; k++) vectors[k * n + dst] = v[k * n + src];
  });
  return { values, vectors };
}

/**
 * The orthogonal factor Q [n, n] of A = Q R for a square A [n, n] (row-major, not modified), by
 * Householder reflections (Golub & Van Loan Alg. 5.2.1) with LAPACK's sign convention (dgeqrf:
 * R's diagonal entry is -sign(a_kk) times the column norm, and no reflection when the column is
 * already zero below the diagonal). Q's first k columns span A's first k columns.
 * @example qrQ(Float64Array.of(1, 0, 0, 1), 2) // [+-1, 0, 0, +-1]
 */
export function qrQ(A: Float64Array, n: number): Float64Array {
  const r = Float64Array.from(A);
  const vs: Float64Array[] = [];
  const betas: number[] = [];
  for (let k = 0; k < n; k++) {
    let sub = 0;
    for (let i = k + 1; i < n; i++) sub += r[i * n + k] * r[i * n + k];
    const norm = Math.sqrt(sub + r[k * n + k] * r[k * n + k]);
    const vk = new Float64Array(n);
    if (sub === 0) {
      // nothing to annihilate below the diagonal: H_k = I, as LAPACK's dlarfg
      vs.push(vk);
      betas.push(0);
      continue;
    }
    const alpha = r[k * n + k] >= 0 ? -norm : norm;
    for (let i = k; i < n; i++) vk[i] = r[i * n + k];
    vk[k] -= alpha;
    let vv = 0;
    for (let i = k; i < n; i++) vv += vk[i] * vk[i];
    const beta = vv > 0 ? 2 / vv : 0;
    // apply (I - beta v v^T) to the remaining columns of r
    for (let j = k; j < n; j++) {
      let s = 0;
      for (let i = k; i < n; i++) s += vk[i] * r[i * n + j];
      s *= beta;
      for (let i = k; i < n; i++) r[i * n + j] -= s * vk[i];
    }
    vs.push(vk);
    betas.push(beta);
  }
  // Q = H_0 H_1 ... H_{n-1} I, accumulated backwards
  const Q = new Float64Array(n * n);
  for (let i = 0; i < n; i++) Q[i * n + i] = 1;
  for (let k = n - 1; k >= 0; k--) {
    const vk = vs[k];
    const beta = betas[k];
    if (beta === 0) continue;
    for (let j = 0; j < n; j++) {
      let s = 0;
      for (let i = k; i < n; i++) s += vk[i] * Q[i * n + j];
      s *= beta;
      for (let i = k; i < n; i++) Q[i * n + j] -= s * vk[i];
    }
  }
  return Q;
}
