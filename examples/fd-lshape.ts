/**
 * pinnlab's reference for DeepXDE's Poisson_Lshape (examples/poisson-lshape.ts): -Laplace u = 1 on
 * the L-shape [-1, 1]^2 minus (0, 1]^2 with u = 0 on its boundary, by the 5-point finite-difference
 * Laplacian on a uniform grid, solved by conjugate gradients to a relative residual of 1e-12.
 */

/** Is the node (x, y) strictly inside the L? */
const inside = (x: number, y: number) => x > -1 && x < 1 && y > -1 && y < 1 && !(x >= 0 && y >= 0);

/**
 * -Laplace u = 1 on the L, u = 0 on its boundary: nodes x_i = -1 + i h, i = 0..2N, solved by CG
 * on the (symmetric positive definite) 5-point matrix over the interior nodes. Row-major in
 * (x, y): u[i * (2N + 1) + j] = u(x_i, y_j); boundary and exterior nodes hold 0.
 */
export function fdLshape(N: number): { axis: Float64Array; u: Float64Array; interior: Uint8Array } {
  const n = 2 * N + 1;
  const h = 1 / N;
  const axis = Float64Array.from({ length: n }, (_, i) => -1 + i * h);
  const interior = new Uint8Array(n * n);
  for (let i = 0; i < n; i++)
    for (let j = 0; j < n; j++) interior[i * n + j] = inside(axis[i], axis[j]) ? 1 : 0;
  // A u = b with A = (4 u_ij - neighbours) / h^2 restricted to the interior, b = 1
  const apply = (v: Float64Array, out: Float64Array) => {
    for (let i = 0; i < n; i++)
      for (let j = 0; j < n; j++) {
        const k = i * n + j;
        if (!interior[k]) {
          out[k] = 0;
          continue;
        }
        out[k] = (4 * v[k] - v[k - n] - v[k + n] - v[k - 1] - v[k + 1]) / (h * h);
      }
  };
  const u = new Float64Array(n * n);
  const r = Float64Array.from(interior);
  const p = r.slice();
  const Ap = new Float64Array(n * n);
  const dot = (a: Float64Array, b: Float64Array) => {
    let s = 0;
    for (let k = 0; k < a.length; k++) s += a[k] * b[k];
    return s;
  };
  let rr = dot(r, r);
  const stop = 1e-24 * rr;
  for (let it = 0; it < 20 * n * n && rr > stop; it++) {
    apply(p, Ap);
    const alpha = rr / dot(p, Ap);
    for (let k = 0; k < u.length; k++) {
      u[k] += alpha * p[k];
      r[k] -= alpha * Ap[k];
    }
    const next = dot(r, r);
    const beta = next / rr;
    rr = next;
    for (let k = 0; k < p.length; k++) p[k] = r[k] + beta * p[k];
  }
  return { axis, u, interior };
}
