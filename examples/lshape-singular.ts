/**
 * The corner singularity of Poisson's equation on the L-shape (examples/poisson-lshape.ts), for
 * singular enrichment: S = r^(2/3) sin(2 phi / 3), the leading term of the solution at the
 * re-entrant corner (0, 0), with phi the angle from the edge x = 0, y > 0 through the L to the edge
 * y = 0, x > 0 (phi in [0, 3 pi / 2]); it is harmonic and vanishes on both edges. Times the cut-off
 * psi = (1 - x^2)(1 - y^2), which vanishes on the outer edges, H = S psi vanishes on the whole
 * boundary. This file gives H, its gradient and its Laplacian at points, in closed form, over any
 * algebra: plain numbers (the evaluation) or pinnlab's residual values (training).
 *
 * The angle is found without atan2 (pinnlab's residual algebra has sqrt, sin and cos): the point
 * is rotated so that the L's angular range becomes alpha in [-3 pi / 4, 3 pi / 4] (alpha = phi -
 * 3 pi / 4), halved six times with cos(a / 2) = sqrt((1 + cos a) / 2), sin(a / 2) = sin a /
 * (2 cos(a / 2)), and |alpha| / 64 < 0.037 is recovered by the arcsine series to s^7 (error
 * below 1e-13). Then S = r^(2/3) cos(2 alpha / 3).
 */
import { type Value, cos, pow, sin, sqrt } from "../src/index.js";

/** The operations the closed forms need, over numbers or residual values. */
export interface Algebra<T> {
  add(a: T, b: T | number): T;
  sub(a: T, b: T | number): T;
  mul(a: T, b: T | number): T;
  div(a: T, b: T): T;
  sqrt(a: T): T;
  sin(a: T): T;
  cos(a: T): T;
  pow(a: T, p: number): T;
}

/** Plain numbers. */
export const numbers: Algebra<number> = {
  add: (a, b) => a + b,
  sub: (a, b) => a - b,
  mul: (a, b) => a * b,
  div: (a, b) => a / b,
  sqrt: Math.sqrt,
  sin: Math.sin,
  cos: Math.cos,
  pow: (a, p) => a ** p,
};

/** pinnlab's residual values (per collocation point). */
export const values: Algebra<Value> = {
  add: (a, b) => a.add(b),
  sub: (a, b) => a.sub(b),
  mul: (a, b) => a.mul(b),
  div: (a, b) => a.div(b),
  sqrt: (a) => sqrt(a),
  sin: (a) => sin(a),
  cos: (a) => cos(a),
  pow: (a, p) => pow(a, p),
};

/** H = S psi, its gradient (Hx, Hy) and Laplacian L at points (x, y) of the L (r > 0). */
export function enrichment<T>(o: Algebra<T>, x: T, y: T): { H: T; Hx: T; Hy: T; L: T } {
  const r2 = o.add(o.mul(x, x), o.mul(y, y));
  const r = o.sqrt(r2);
  // cos and sin of alpha: the direction (-1, -1) / sqrt(2) (into the L) is alpha = 0
  let c = o.div(o.mul(o.add(x, y), -Math.SQRT1_2), r);
  let s = o.div(o.mul(o.sub(x, y), Math.SQRT1_2), r);
  for (let k = 0; k < 6; k++) {
    const ch = o.sqrt(o.mul(o.add(c, 1), 0.5));
    s = o.div(s, o.mul(ch, 2));
    c = ch;
  }
  // alpha / 64 = asin(s) = s + s^3 / 6 + 3 s^5 / 40 + 5 s^7 / 112
  const s2 = o.mul(s, s);
  const poly = o.add(o.mul(o.add(o.mul(o.add(o.mul(s2, 5 / 112), 3 / 40), s2), 1 / 6), s2), 1);
  const beta = o.mul(o.mul(s, poly), 128 / 3); // 2 alpha / 3
  const cb = o.cos(beta);
  const sb = o.sin(beta);
  const r23 = o.pow(r2, 1 / 3);
  const S = o.mul(r23, cb);
  // grad S = (2/3) r^(-1/3) (cos(2a/3) e_r - sin(2a/3) e_a), e_r = (x, y)/r, e_a = (-y, x)/r
  const k = o.div(o.mul(r23, 2 / 3), r2); // (2/3) r^(-1/3) / r
  const Sx = o.mul(k, o.add(o.mul(cb, x), o.mul(sb, y)));
  const Sy = o.mul(k, o.sub(o.mul(cb, y), o.mul(sb, x)));
  // psi = (1 - x^2)(1 - y^2)
  const ax = o.sub(o.mul(o.mul(x, x), -1), -1);
  const ay = o.sub(o.mul(o.mul(y, y), -1), -1);
  const psi = o.mul(ax, ay);
  const px = o.mul(o.mul(x, ay), -2);
  const py = o.mul(o.mul(y, ax), -2);
  const lap = o.mul(o.add(ax, ay), -2);
  return {
    H: o.mul(S, psi),
    Hx: o.add(o.mul(Sx, psi), o.mul(S, px)),
    Hy: o.add(o.mul(Sy, psi), o.mul(S, py)),
    // Laplace S = 0
    L: o.add(o.mul(o.add(o.mul(Sx, px), o.mul(Sy, py)), 2), o.mul(S, lap)),
  };
}
