/**
 * Gauss-Legendre quadrature on [-1, 1]: nodes and weights of the n-point rule, by Newton's method
 * on the Legendre polynomial P_n from Chebyshev starting points (Golub & Welsch 1969 give the same
 * rule through an eigenproblem; Newton is exact to rounding here for n <= 64).
 */

/**
 * The n-point Gauss-Legendre rule (exact for polynomials of degree 2n - 1).
 * @returns nodes x [n] ascending and weights w [n] on [-1, 1]
 * @example gaussLegendre(2); // { x: [-1/sqrt(3), 1/sqrt(3)], w: [1, 1] }
 */
export function gaussLegendre(n: number): { x: Float64Array; w: Float64Array } {
  if (!Number.isInteger(n) || n < 1 || n > 64) throw new Error(`quadrature: n = ${n} not in 1..64`);
  const x = new Float64Array(n);
  const w = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    let z = Math.cos((Math.PI * (i + 0.75)) / (n + 0.5));
    let dp = 0;
    for (let it = 0; it < 100; it++) {
      // P_n(z) and P_n'(z) by the three-term recurrence
      let p0 = 1;
      let p1 = z;
      for (let k = 2; k <= n; k++) [p0, p1] = [p1, ((2 * k - 1) * z * p1 - (k - 1) * p0) / k];
      if (n === 1) [p0, p1] = [1, z];
      dp = (n * (z * p1 - p0)) / (z * z - 1);
      const dz = p1 / dp;
      z -= dz;
      if (Math.abs(dz) < 1e-16) break;
    }
    x[n - 1 - i] = z;
    w[n - 1 - i] = 2 / ((1 - z * z) * dp * dp);
  }
  return { x, w };
}
