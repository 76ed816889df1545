/**
 * Symmetric eigenvalue solvers in float64 JavaScript, for NTK spectra: the cyclic Jacobi method
 * (the whole spectrum of a dense matrix, fine up to n of a few hundred) and the Lanczos iteration
 * with full reorthogonalisation (the top k eigenvalues of a large matrix from matrix-vector
 * products only). jax-js's `np.linalg.eigh` is avoided: it runs ~21 s at n = 512 here.
 *
 * References: Golub & Van Loan, "Matrix Computations" (4th ed., 2013), section 8.5 (Jacobi) and
 * chapter 10 (Lanczos); Demmel & Veselic (1992) for Jacobi's relative accuracy on positive
 * definite matrices, which suits NTK blocks whose eigenvalues span many decades.
 */
import { Rng } from "./rng.js";

/** Options of `symmetricEigen`. */
export interface EigenOptions {
  /** Also return the eigenvectors (columns of an n x n row-major matrix). Default false. */
  readonly vectors?: boolean;
  /** Sweeps before giving up (each sweep visits every off-diagonal pair once). Default 60. */
  readonly maxSweeps?: number;
}

/** Eigen-decomposition of a symmetric matrix, eigenvalues in descending order. */
export interface EigenResult {
  /** Eigenvalues [n], largest first. */
  readonly values: Float64Array;
  /** Eigenvectors [n, n] row-major, column j belonging to values[j]; null unless asked for. */
  readonly vectors: Float64Array | null;
  /** Jacobi sweeps used. */
  readonly sweeps: number;
}

function checkSquare(A: ArrayLike<number>, n: number, where: string): void {
  if (!Number.isInteger(n) || n < 0) throw new Error(`${where}: n must be a non-negative integer`);
  if (A.length !== n * n) throw new Error(`${where}: expected ${n * n} entries, got ${A.length}`);
}

/**
 * All eigenvalues (and optionally eigenvectors) of a symmetric matrix by the cyclic Jacobi method.
 * Only the matrix's symmetric part is used: it is symmetrised first, (A + A^T) / 2.
 * A rotation is skipped when |a_pq| <= eps * sqrt(|a_pp a_qq|), the criterion that gives
 * eigenvalues of a positive definite matrix to high relative accuracy.
 * @param A row-major [n, n] (not modified)
 * @param n the order
 * @returns eigenvalues in descending order, eigenvectors as columns when asked for
 * @example
 * const { values } = symmetricEigen(Float64Array.of(2, 1, 1, 2), 2); // [3, 1]
 */
export function symmetricEigen(
  A: ArrayLike<number>,
  n: number,
  opts: EigenOptions = {},
): EigenResult {
  checkSquare(A, n, "symmetricEigen");
  const maxSweeps = opts.maxSweeps ?? 60;
  const a = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < n; j++) a[i * n + j] = 0.5 * (A[i * n + j] + A[j * n + i]);
  }
  if (!a.every(Number.isFinite))
    throw new Error("symmetricEigen: the matrix has non-finite entries");
  const v = opts.vectors ? new Float64Array(n * n) : null;
  if (v) for (let i = 0; i < n; i++) v[i * n + i] = 1;
  const eps = 2.220446049250313e-16;
  let sweeps = 0;
  for (; sweeps < maxSweeps; sweeps++) {
    let rotated = false;
    for (let p = 0; p < n - 1; p++) {
      for (let q = p + 1; q < n; q++) {
        const apq = a[p * n + q];
        const app = a[p * n + p];
        const aqq = a[q * n + q];
        if (apq === 0 || Math.abs(apq) <= eps * Math.sqrt(Math.abs(app * aqq))) {
          a[p * n + q] = a[q * n + p] = 0;
          continue;
        }
        rotated = true;
        // rotation J (J_pp = J_qq = c, J_pq = s, J_qp = -s) with (J^T A J)_pq = 0
        const theta = (aqq - app) / (2 * apq);
        const t = (theta >= 0 ? 1 : -1) / (Math.abs(theta) + Math.sqrt(theta * theta + 1));
        const c = 1 / Math.sqrt(t * t + 1);
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
        a[p * n + q] = a[q * n + p] = 0;
        if (v) {
          for (let k = 0; k < n; k++) {
            const vkp = v[k * n + p];
            const vkq = v[k * n + q];
            v[k * n + p] = c * vkp - s * vkq;
            v[k * n + q] = s * vkp + c * vkq;
          }
        }
      }
    }
    if (!rotated) break;
  }
  if (sweeps === maxSweeps) {
    throw new Error(`symmetricEigen: no convergence after ${maxSweeps} sweeps (n = ${n})`);
  }
  const order = [...Array(n).keys()].sort((i, j) => a[j * n + j] - a[i * n + i]);
  const values = Float64Array.from(order, (i) => a[i * n + i]);
  let vectors: Float64Array | null = null;
  if (v) {
    vectors = new Float64Array(n * n);
    order.forEach((src, dst) => {
      for (let k = 0; k < n; k++) (vectors as Float64Array)[k * n + dst] = v[k * n + src];
    });
  }
  return { values, vectors, sweeps };
}

/** y = A x for a symmetric operator of order n; writes into `out` (length n). */
export type MatVec = (x: Float64Array, out: Float64Array) => void;

/** Options of `lanczosTopK`. */
export interface LanczosOptions {
  /** Lanczos steps (Krylov dimension), at most n. Default min(n, max(2k + 20, 40)). */
  readonly iterations?: number;
  /** Seed of the random start vector (and of restarts after an invariant subspace). Default 0. */
  readonly seed?: number;
}

/** What `lanczosTopK` returns. */
export interface LanczosResult {
  /** The k largest Ritz values, descending. */
  readonly values: Float64Array;
  /** Lanczos steps taken (the Krylov dimension). */
  readonly iterations: number;
}

function dot(a: Float64Array, b: Float64Array): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i] * b[i];
  return s;
}

/** A dense symmetric matrix as a `MatVec`. */
export function denseMatVec(A: ArrayLike<number>, n: number): MatVec {
  checkSquare(A, n, "denseMatVec");
  return (x, out) => {
    for (let i = 0; i < n; i++) {
      let s = 0;
      const row = i * n;
      for (let j = 0; j < n; j++) s += A[row + j] * x[j];
      out[i] = s;
    }
  };
}

/**
 * The k largest eigenvalues of a symmetric operator by the Lanczos iteration with full
 * reorthogonalisation (every new Lanczos vector is orthogonalised twice against all previous
 * ones, so no spurious copies of converged eigenvalues appear). When the Krylov space becomes
 * invariant (beta ~ 0) it restarts from a fresh random vector orthogonal to the basis, so repeated
 * eigenvalues are found too. The Ritz values come from the tridiagonal matrix by Jacobi.
 * With iterations = n the result is exact up to rounding.
 * @param matvec y = A x
 * @param n order of A
 * @param k how many eigenvalues (<= n)
 * @example
 * const { values } = lanczosTopK(denseMatVec(K, 1024), 1024, 10);
 */
export function lanczosTopK(
  matvec: MatVec,
  n: number,
  k: number,
  opts: LanczosOptions = {},
): LanczosResult {
  if (!Number.isInteger(k) || k < 1 || k > n) {
    throw new Error(`lanczosTopK: k must be an integer in [1, n = ${n}], got ${k}`);
  }
  const m = Math.min(n, opts.iterations ?? Math.max(2 * k + 20, 40));
  if (m < k) throw new Error(`lanczosTopK: iterations (${m}) must be at least k (${k})`);
  const rng = new Rng(opts.seed ?? 0);
  const Q: Float64Array[] = [];
  const alpha: number[] = [];
  const beta: number[] = []; // beta[j] couples Q[j] and Q[j + 1]
  const w = new Float64Array(n);
  const orthogonalise = (x: Float64Array) => {
    for (let pass = 0; pass < 2; pass++) {
      for (const q of Q) {
        const c = dot(q, x);
        for (let i = 0; i < n; i++) x[i] -= c * q[i];
      }
    }
  };
  /** A random unit vector orthogonal to Q, or null when Q spans everything. */
  const freshVector = (): Float64Array | null => {
    for (let attempt = 0; attempt < 5; attempt++) {
      const x = Float64Array.from({ length: n }, () => rng.normal());
      orthogonalise(x);
      const nx = Math.sqrt(dot(x, x));
      if (nx > 1e-8 * Math.sqrt(n)) return x.map((xi) => xi / nx);
    }
    return null;
  };
  let q = freshVector() as Float64Array;
  let scale = 0;
  for (let j = 0; j < m; j++) {
    Q.push(q);
    matvec(q, w);
    const a = dot(q, w);
    alpha.push(a);
    orthogonalise(w); // removes the alpha_j q_j and beta_{j-1} q_{j-1} parts and any drift
    const b = Math.sqrt(dot(w, w));
    scale = Math.max(scale, Math.abs(a), b);
    if (j === m - 1) break;
    if (b > 1e-12 * scale) {
      beta.push(b);
      q = w.map((wi) => wi / b);
    } else {
      // invariant subspace: continue in a fresh direction (the tridiagonal matrix decouples)
      const fresh = freshVector();
      if (!fresh) break;
      beta.push(0);
      q = fresh;
    }
  }
  const size = alpha.length;
  const T = new Float64Array(size * size);
  for (let i = 0; i < size; i++) {
    T[i * size + i] = alpha[i];
    if (i + 1 < size) T[i * size + i + 1] = T[(i + 1) * size + i] = beta[i];
  }
  const ritz = symmetricEigen(T, size).values;
  const values = new Float64Array(k);
  values.set(ritz.subarray(0, Math.min(k, size)));
  return { values, iterations: size };
}

/** y = A x for a symmetric operator whose products are computed asynchronously. */
export type AsyncMatVec = (x: Float64Array) => Promise<Float64Array>;

/** Options of `lanczosQuadrature`. */
export interface LanczosQuadratureOptions {
  /** Lanczos steps m (the Krylov dimension), at most n. Default min(n, 30). */
  readonly iterations?: number;
  /** Start vector [n] (normalised here); default a seeded random normal vector. */
  readonly start?: Float64Array;
  /** Seed of the random start vector. Default 0. */
  readonly seed?: number;
}

/** What `lanczosQuadrature` returns: Ritz values with the start vector's weights on them. */
export interface LanczosQuadrature {
  /** Ritz values theta_j [m], descending. */
  readonly values: Float64Array;
  /**
   * weights [m]: tau_j^2, the squared first component of T's j-th eigenvector (sum 1). For a
   * start vector q, sum_j tau_j^2 f(theta_j) is the m-point Gauss quadrature of
   * q' f(A) q / q'q, i.e. the spectral measure of A seen from q (Golub & Meurant, "Matrices,
   * Moments and Quadrature with Applications", 2010, chapter 6).
   */
  readonly weights: Float64Array;
  /** Lanczos steps taken (fewer than asked when the Krylov space became invariant). */
  readonly iterations: number;
}

/**
 * Lanczos with full reorthogonalisation from a given start vector over an asynchronous operator
 * (e.g. finite-difference Hessian-vector products), stopping when the Krylov space becomes
 * invariant instead of restarting, so that the Ritz values' weights stay those of the start
 * vector. The extreme Ritz values converge to the extreme eigenvalues first; with m = n they are
 * the exact spectrum (up to rounding), and the weights are then the start vector's squared
 * components along the eigenvectors. Cost: m products and O(m^2 n) for the reorthogonalisation.
 * @example
 * const { values, weights } = await lanczosQuadrature(async (v) => hv(v), P, { start: g });
 */
export async function lanczosQuadrature(
  matvec: AsyncMatVec,
  n: number,
  opts: LanczosQuadratureOptions = {},
): Promise<LanczosQuadrature> {
  const m = Math.min(n, opts.iterations ?? 30);
  if (!Number.isInteger(m) || m < 1) throw new Error(`lanczosQuadrature: bad iterations ${m}`);
  let q: Float64Array;
  if (opts.start) {
    if (opts.start.length !== n)
      throw new Error(`lanczosQuadrature: start has ${opts.start.length} entries, not ${n}`);
    q = Float64Array.from(opts.start);
  } else {
    const rng = new Rng(opts.seed ?? 0);
    q = Float64Array.from({ length: n }, () => rng.normal());
  }
  const nq = Math.sqrt(dot(q, q));
  if (!(nq > 0) || !Number.isFinite(nq))
    throw new Error("lanczosQuadrature: zero or non-finite start vector");
  q = q.map((v) => v / nq);
  const Q: Float64Array[] = [];
  const alpha: number[] = [];
  const beta: number[] = [];
  let scale = 0;
  for (let j = 0; j < m; j++) {
    Q.push(q);
    const w = Float64Array.from(await matvec(q));
    if (!w.every(Number.isFinite)) throw new Error("lanczosQuadrature: non-finite product");
    const a = dot(q, w);
    alpha.push(a);
    for (let pass = 0; pass < 2; pass++) {
      for (const u of Q) {
        const c = dot(u, w);
        for (let i = 0; i < n; i++) w[i] -= c * u[i];
      }
    }
    const b = Math.sqrt(dot(w, w));
    scale = Math.max(scale, Math.abs(a), b);
    if (j === m - 1 || !(b > 1e-12 * scale)) break;
    beta.push(b);
    q = w.map((wi) => wi / b);
  }
  const size = alpha.length;
  const T = new Float64Array(size * size);
  for (let i = 0; i < size; i++) {
    T[i * size + i] = alpha[i];
    if (i + 1 < size) T[i * size + i + 1] = T[(i + 1) * size + i] = beta[i];
  }
  const { values, vectors } = symmetricEigen(T, size, { vectors: true });
  const V = vectors as Float64Array;
  const weights = Float64Array.from({ length: size }, (_, j) => V[j] * V[j]);
  return { values, weights, iterations: size };
}
