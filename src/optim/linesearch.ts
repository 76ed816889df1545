/**
 * The strong-Wolfe line search shared by L-BFGS and the dense BFGS family (Nocedal & Wright,
 * "Numerical Optimization", 2nd ed., Algorithms 3.5 and 3.6, with cubic interpolation), plus the
 * two vector helpers they use. Pure TypeScript over Float64Array.
 */
import type { Objective } from "./types.js";

/** a . b */
export function dot(a: Float64Array, b: Float64Array): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i] * b[i];
  return s;
}

/** x + a d, a new array. */
export function axpy(x: Float64Array, a: number, d: Float64Array): Float64Array {
  const out = new Float64Array(x.length);
  for (let i = 0; i < x.length; i++) out[i] = x[i] + a * d[i];
  return out;
}

/** Minimiser of the cubic interpolating (a, fa, ga) and (b, fb, gb), clamped to the interval. */
function cubicMin(a: number, fa: number, ga: number, b: number, fb: number, gb: number): number {
  const d1 = ga + gb - (3 * (fa - fb)) / (a - b);
  const sq = d1 * d1 - ga * gb;
  const lo = Math.min(a, b);
  const hi = Math.max(a, b);
  if (sq >= 0) {
    const d2 = Math.sign(b - a) * Math.sqrt(sq);
    const t = b - (b - a) * ((gb + d2 - d1) / (gb - ga + 2 * d2));
    if (Number.isFinite(t)) return Math.min(Math.max(t, lo), hi);
  }
  return (lo + hi) / 2;
}

/** An evaluated trial point: step t, loss f, gradient g and the slope g . d. */
export interface LineSearchPoint {
  t: number;
  f: number;
  g: Float64Array;
  dg: number;
}

/**
 * Strong-Wolfe line search along d [n] from x [n] (Nocedal & Wright Alg. 3.5/3.6): finds t with
 * f(x + t d) <= f0 + c1 t g0.d and |g(x + t d).d| <= c2 |g0.d|. Non-finite trial losses shrink
 * the step back towards the last finite point.
 * @param f0 loss at x; g0 gradient at x [n]
 * @param t0 first trial step
 * @param counter incremented once per objective evaluation
 * @returns the accepted point, or null when d is not a descent direction (g0.d >= 0) or no
 *   acceptable point was found within `maxEvals` evaluations
 * @example
 * const counter = { n: 0 };
 * const p = await strongWolfe(fg, x, f0, g0, d, 1, counter); // p?.t, p?.f, p?.g
 */
export async function strongWolfe(
  fg: Objective,
  x: Float64Array,
  f0: number,
  g0: Float64Array,
  d: Float64Array,
  t0: number,
  counter: { n: number },
  c1 = 1e-4,
  c2 = 0.9,
  maxEvals = 25,
): Promise<LineSearchPoint | null> {
  const dg0 = dot(g0, d);
  if (!(dg0 < 0)) return null;
  const evalAt = async (t: number): Promise<LineSearchPoint> => {
    counter.n++;
    const { f, g } = await fg(axpy(x, t, d));
    return { t, f, g, dg: dot(g, d) };
  };
  let prev: LineSearchPoint = { t: 0, f: f0, g: g0, dg: dg0 };
  let t = t0;
  let evals = 0;
  let lo: LineSearchPoint | null = null;
  let hi: LineSearchPoint | null = null;
  while (evals < maxEvals) {
    const cur = await evalAt(t);
    evals++;
    if (!Number.isFinite(cur.f)) {
      // shrink back towards the last finite point
      t = (prev.t + t) / 2;
      continue;
    }
    if (cur.f > f0 + c1 * t * dg0 || (evals > 1 && cur.f >= prev.f)) {
      lo = prev;
      hi = cur;
      break;
    }
    if (Math.abs(cur.dg) <= -c2 * dg0) return cur;
    if (cur.dg >= 0) {
      lo = cur;
      hi = prev;
      break;
    }
    const next = Math.min(10 * t, cubicMin(prev.t, prev.f, prev.dg, t, cur.f, cur.dg) || 2 * t);
    prev = cur;
    t = next > t ? next : 2 * t;
  }
  if (!lo || !hi) return prev.t > 0 ? prev : null;
  // zoom
  while (evals < maxEvals) {
    let tz = cubicMin(lo.t, lo.f, lo.dg, hi.t, hi.f, hi.dg);
    const width = Math.abs(hi.t - lo.t);
    // keep the trial away from the ends so the bracket shrinks
    const eps = 0.1 * width;
    if (Math.min(Math.abs(tz - lo.t), Math.abs(tz - hi.t)) < eps) tz = (lo.t + hi.t) / 2;
    const cur = await evalAt(tz);
    evals++;
    if (!Number.isFinite(cur.f) || cur.f > f0 + c1 * tz * dg0 || cur.f >= lo.f) {
      hi = cur;
    } else {
      if (Math.abs(cur.dg) <= -c2 * dg0) return cur;
      if (cur.dg * (hi.t - lo.t) >= 0) hi = lo;
      lo = cur;
    }
    if (width < 1e-12) break;
  }
  return lo.t > 0 && lo.f < f0 ? lo : null;
}
