/**
 * Gauss-Hermite quadrature: `int f(s) exp(-s^2) ds ≈ sum_k w_k f(s_k)` over the real line, exact
 * for polynomials of degree <= 2n - 1.
 *
 * Method: Golub & Welsch (Math. Comp. 23, 1969): the nodes are the eigenvalues of the Jacobi
 * matrix; each is then polished by Newton's iteration on the orthonormal Hermite polynomial and its
 * weight is taken from the derivative, w = 2 / p_n'(s)^2 (Press et al., Numerical Recipes, 3rd ed.,
 * §4.6), which keeps full relative accuracy even for weights near 1e-200. The orthonormal recurrence
 * keeps values finite where the classical H_n would overflow.
 */
export interface GaussHermiteRule {
  /** Nodes in decreasing order, symmetric about 0; shape [n]. */
  nodes: Float64Array;
  /** Weights; shape [n]. They sum to sqrt(pi). */
  weights: Float64Array;
  /** log of the weights, for sums that must be scaled to avoid overflow; shape [n]. */
  logWeights: Float64Array;
}

const rules = new Map<number, GaussHermiteRule>();

/** Beyond this the largest node's polynomial value overflows a double. */
export const GAUSS_HERMITE_MAX_NODES = 600;

interface HermiteValue {
  /** Orthonormal p_n(z). */
  p: number;
  /** d p_n / dz. */
  dp: number;
}

function hermite(n: number, z: number): HermiteValue {
  let p1 = Math.PI ** -0.25;
  let p2 = 0;
  for (let j = 1; j <= n; j++) {
    const p3 = p2;
    p2 = p1;
    p1 = z * Math.sqrt(2 / j) * p2 - Math.sqrt((j - 1) / j) * p3;
  }
  return { p: p1, dp: Math.sqrt(2 * n) * p2 };
}

/**
 * Eigenvalues of the symmetric tridiagonal matrix with zero diagonal and off-diagonal `off`
 * (implicit QL with Wilkinson shifts, Numerical Recipes `tqli` without vectors). These are the
 * Golub-Welsch starting points; eigenvectors are not kept because weights taken from them lose all
 * relative accuracy in the tails, where the Burgers integrand is large.
 */
function tridiagonalEigenvalues(off: Float64Array): Float64Array {
  const n = off.length;
  const d = new Float64Array(n);
  const e = Float64Array.from(off);
  for (let l = 0; l < n; l++) {
    for (let iter = 0; ; iter++) {
      let m = l;
      while (m < n - 1 && Math.abs(e[m]) > Number.EPSILON * (Math.abs(d[m]) + Math.abs(d[m + 1]))) {
        m++;
      }
      if (m === l) break;
      if (iter === 60) throw new Error("gaussHermite: QL iteration did not converge");
      qlSweep(d, e, l, m);
    }
  }
  return d;
}

/** One implicitly shifted QL sweep on rows l..m. */
function qlSweep(d: Float64Array, e: Float64Array, l: number, m: number): void {
  let g = (d[l + 1] - d[l]) / (2 * e[l]);
  let r = Math.hypot(g, 1);
  g = d[m] - d[l] + e[l] / (g + (g >= 0 ? r : -r));
  let s = 1;
  let c = 1;
  let p = 0;
  for (let i = m - 1; i >= l; i--) {
    const f = s * e[i];
    const b = c * e[i];
    r = Math.hypot(f, g);
    e[i + 1] = r;
    if (r === 0) {
      // Deflation: the matrix split, so restart on the smaller block.
      d[i + 1] -= p;
      e[m] = 0;
      return;
    }
    s = f / r;
    c = g / r;
    g = d[i + 1] - p;
    r = (d[i] - g) * s + 2 * c * b;
    p = s * r;
    d[i + 1] = g + p;
    g = c * r - b;
  }
  d[l] -= p;
  e[l] = g;
  e[m] = 0;
}

/** Golub-Welsch: Hermite nodes are the eigenvalues of the Jacobi matrix, sorted decreasing. */
function jacobiEigenvalues(n: number): Float64Array {
  // Recurrence coefficients of the orthonormal Hermite polynomials: a_k = 0, b_k = sqrt(k / 2).
  const off = Float64Array.from({ length: n }, (_, k) => (k < n - 1 ? Math.sqrt((k + 1) / 2) : 0));
  return tridiagonalEigenvalues(off).sort().reverse();
}

function newtonRoot(n: number, start: number): number {
  let z = start;
  for (let iter = 0; iter < 100; iter++) {
    const { p, dp } = hermite(n, z);
    const step = p / dp;
    z -= step;
    if (Math.abs(step) <= 1e-15 * Math.max(1, Math.abs(z))) return z;
  }
  throw new Error(`gaussHermite(${n}): Newton did not converge from ${start}`);
}

function computeRule(n: number): GaussHermiteRule {
  const nodes = new Float64Array(n);
  const logWeights = new Float64Array(n);
  const guesses = jacobiEigenvalues(n);
  for (let i = 0; i < (n + 1) >> 1; i++) {
    const z = n % 2 === 1 && i === n >> 1 ? 0 : newtonRoot(n, guesses[i]);
    // Re-evaluate at the converged root so the weight uses the final derivative.
    const logW = Math.LN2 - 2 * Math.log(Math.abs(hermite(n, z).dp));
    nodes[n - 1 - i] = -z;
    nodes[i] = z;
    logWeights[i] = logW;
    logWeights[n - 1 - i] = logW;
  }
  for (let i = 1; i < n; i++) {
    if (!(nodes[i] < nodes[i - 1])) throw new Error(`gaussHermite(${n}): roots are not distinct`);
  }
  return { nodes, weights: logWeights.map(Math.exp), logWeights };
}

/**
 * The n-point Gauss-Hermite rule (weight exp(-s^2)), cached per n.
 *
 * @example
 * const { nodes, weights } = gaussHermite(3);
 * // nodes ≈ [1.2247, 0, -1.2247], weights ≈ [0.2954, 1.1816, 0.2954]
 */
export function gaussHermite(n: number): GaussHermiteRule {
  if (!Number.isInteger(n) || n < 1 || n > GAUSS_HERMITE_MAX_NODES) {
    throw new RangeError(`gaussHermite: n must be an integer in [1, ${GAUSS_HERMITE_MAX_NODES}]`);
  }
  const cached = rules.get(n);
  if (cached) return cached;
  const rule = computeRule(n);
  rules.set(n, rule);
  return rule;
}
