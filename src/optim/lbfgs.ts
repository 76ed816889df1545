/**
 * L-BFGS with a strong-Wolfe line search (Nocedal & Wright, "Numerical Optimization", 2nd ed.,
 * Algorithms 7.4, 3.5 and 3.6), on flat float64 vectors. The objective is an async callback so the
 * loss and gradient can come from a jitted jax-js function. Used after Adam, full batch, as in
 * Raissi et al. (2019) and Krishnapriyan et al. (2021).
 */

/** Objective: value and gradient at x. */
export type Objective = (x: Float64Array) => Promise<{ f: number; g: Float64Array }>;

/** L-BFGS options. */
export interface LbfgsOptions {
  /** Maximum iterations (each does one line search). */
  readonly maxIter: number;
  /** Number of (s, y) pairs kept. */
  readonly history: number;
  /** Stop when max |g| falls below this. */
  readonly gradTol: number;
  /** Stop when the loss changes by less than this (relative) over an iteration. */
  readonly fTol: number;
  /** Called after every iteration with the iteration index and loss; return false to stop. */
  readonly onIter?: (iter: number, f: number, x: Float64Array) => boolean | void | Promise<void>;
}

/** Outcome of a minimisation. */
export interface LbfgsResult {
  readonly x: Float64Array;
  readonly f: number;
  readonly iterations: number;
  readonly evaluations: number;
  readonly reason: "maxIter" | "gradTol" | "fTol" | "lineSearch" | "stopped" | "nonFinite";
}

function dot(a: Float64Array, b: Float64Array): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i] * b[i];
  return s;
}

function axpy(x: Float64Array, a: number, d: Float64Array): Float64Array {
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

interface Point {
  t: number;
  f: number;
  g: Float64Array;
  dg: number;
}

/** Strong-Wolfe line search along d from x (Nocedal & Wright Alg. 3.5/3.6). */
async function strongWolfe(
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
): Promise<Point | null> {
  const dg0 = dot(g0, d);
  if (!(dg0 < 0)) return null;
  const evalAt = async (t: number): Promise<Point> => {
    counter.n++;
    const { f, g } = await fg(axpy(x, t, d));
    return { t, f, g, dg: dot(g, d) };
  };
  let prev: Point = { t: 0, f: f0, g: g0, dg: dg0 };
  let t = t0;
  let evals = 0;
  let lo: Point | null = null;
  let hi: Point | null = null;
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

/**
 * Minimise an objective with L-BFGS.
 * @param x0 starting point (not modified)
 * @example
 * const r = await lbfgs(async (x) => ({ f: x[0] ** 2, g: Float64Array.of(2 * x[0]) }),
 *   Float64Array.of(3), { maxIter: 20, history: 10, gradTol: 1e-9, fTol: 0 });
 */
export async function lbfgs(
  fg: Objective,
  x0: Float64Array,
  o: LbfgsOptions,
): Promise<LbfgsResult> {
  const counter = { n: 1 };
  let x: Float64Array = Float64Array.from(x0);
  let { f, g } = await fg(x);
  if (!Number.isFinite(f)) return { x, f, iterations: 0, evaluations: 1, reason: "nonFinite" };
  const S: Float64Array[] = [];
  const Y: Float64Array[] = [];
  const rho: number[] = [];
  for (let iter = 0; iter < o.maxIter; iter++) {
    if (g.reduce((m, v) => Math.max(m, Math.abs(v)), 0) <= o.gradTol) {
      return { x, f, iterations: iter, evaluations: counter.n, reason: "gradTol" };
    }
    // two-loop recursion: d = -H g
    const q = Float64Array.from(g);
    const alpha: number[] = new Array<number>(S.length);
    for (let i = S.length - 1; i >= 0; i--) {
      alpha[i] = rho[i] * dot(S[i], q);
      for (let j = 0; j < q.length; j++) q[j] -= alpha[i] * Y[i][j];
    }
    const gamma = S.length
      ? dot(S[S.length - 1], Y[Y.length - 1]) / dot(Y[Y.length - 1], Y[Y.length - 1])
      : 1;
    for (let j = 0; j < q.length; j++) q[j] *= gamma;
    for (let i = 0; i < S.length; i++) {
      const beta = rho[i] * dot(Y[i], q);
      for (let j = 0; j < q.length; j++) q[j] += S[i][j] * (alpha[i] - beta);
    }
    const d = q.map((v) => -v);
    // first iteration: a step of length ~1/|g|_1 as in PyTorch's L-BFGS keeps the first trial sane
    const t0 = S.length ? 1 : Math.min(1, 1 / g.reduce((s, v) => s + Math.abs(v), 0));
    let ls = await strongWolfe(fg, x, f, g, d, t0, counter);
    if (!ls && S.length) {
      // bad curvature information: restart from steepest descent
      S.length = 0;
      Y.length = 0;
      rho.length = 0;
      const sd = g.map((v) => -v);
      ls = await strongWolfe(
        fg,
        x,
        f,
        g,
        sd,
        Math.min(1, 1 / g.reduce((s, v) => s + Math.abs(v), 0)),
        counter,
      );
      if (ls) {
        for (let j = 0; j < d.length; j++) d[j] = sd[j];
      }
    }
    if (!ls) return { x, f, iterations: iter, evaluations: counter.n, reason: "lineSearch" };
    const xNew = axpy(x, ls.t, d);
    const s = xNew.map((v, j) => v - x[j]);
    const y = ls.g.map((v, j) => v - g[j]);
    const sy = dot(s, y);
    if (sy > 1e-10 * dot(y, y)) {
      S.push(s);
      Y.push(y);
      rho.push(1 / sy);
      if (S.length > o.history) {
        S.shift();
        Y.shift();
        rho.shift();
      }
    }
    const fOld = f;
    x = xNew;
    f = ls.f;
    g = ls.g;
    const stop = await o.onIter?.(iter, f, x);
    if (stop === false)
      return { x, f, iterations: iter + 1, evaluations: counter.n, reason: "stopped" };
    if (Math.abs(fOld - f) <= o.fTol * Math.max(Math.abs(fOld), Math.abs(f), 1e-300)) {
      return { x, f, iterations: iter + 1, evaluations: counter.n, reason: "fTol" };
    }
  }
  return { x, f, iterations: o.maxIter, evaluations: counter.n, reason: "maxIter" };
}
