/**
 * L-BFGS with a strong-Wolfe line search (Nocedal & Wright, "Numerical Optimization", 2nd ed.,
 * Algorithms 7.4, 3.5 and 3.6), on flat float64 vectors. The objective is an async callback so the
 * loss and gradient can come from a jitted jax-js function. Used after Adam, full batch, as in
 * Raissi et al. (2019) and Krishnapriyan et al. (2021).
 */

import { axpy, dot, strongWolfe } from "./linesearch.js";
import type { Objective } from "./types.js";

export type { Objective } from "./types.js";

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

/**
 * L-BFGS's state: plain data (numbers and float64 arrays), so a checkpoint can hold it and a resumed
 * run continues bit for bit. The (s, y) pairs live in ring buffers S, Y [m, n] (row `(head + i) % m`
 * is the i-th oldest of `count` pairs); rho [m] holds 1 / s'y.
 */
export interface LbfgsState {
  readonly n: number;
  /** History length m. */
  readonly m: number;
  readonly x: Float64Array;
  /** Loss and gradient at x (of the objective the next step uses: see {@link lbfgsRebase}). */
  readonly f: number;
  readonly g: Float64Array;
  readonly S: Float64Array;
  readonly Y: Float64Array;
  readonly rho: Float64Array;
  readonly count: number;
  readonly head: number;
  readonly iter: number;
  readonly evals: number;
  readonly restarts: number;
}

/** Why {@link lbfgsStep} did not move (x, f, g unchanged). */
export type LbfgsStopReason = "nonFinite" | "stationary" | "lineSearch";

/**
 * Start L-BFGS at x0 with its loss f0 and gradient g0 [n], keeping `history` pairs.
 * @example let s = lbfgsInit(x0, f0, g0, 50);
 */
export function lbfgsInit(
  x0: Float64Array,
  f0: number,
  g0: Float64Array,
  history: number,
): LbfgsState {
  const n = x0.length;
  return {
    n,
    m: history,
    x: Float64Array.from(x0),
    f: f0,
    g: Float64Array.from(g0),
    S: new Float64Array(history * n),
    Y: new Float64Array(history * n),
    rho: new Float64Array(history),
    count: 0,
    head: 0,
    iter: 0,
    evals: 1,
    restarts: 0,
  };
}

/**
 * The objective changed (a redrawn batch): continue from the state's x with the new loss and
 * gradient, keeping the curvature pairs.
 */
export function lbfgsRebase(s: LbfgsState, f: number, g: Float64Array): LbfgsState {
  return { ...s, f, g: Float64Array.from(g), evals: s.evals + 1 };
}

/** d = -H g by the two-loop recursion (Nocedal & Wright Alg. 7.4). */
function direction(s: LbfgsState): Float64Array {
  const { n, m, S, Y, rho, count, head } = s;
  const q = Float64Array.from(s.g);
  const alpha = new Float64Array(count);
  const row = (i: number) => ((head + i) % m) * n;
  const dotRow = (A: Float64Array, r: number, v: Float64Array) => {
    let acc = 0;
    for (let j = 0; j < n; j++) acc += A[r + j] * v[j];
    return acc;
  };
  for (let i = count - 1; i >= 0; i--) {
    const r = row(i);
    alpha[i] = rho[(head + i) % m] * dotRow(S, r, q);
    for (let j = 0; j < n; j++) q[j] -= alpha[i] * Y[r + j];
  }
  if (count > 0) {
    const r = row(count - 1);
    let sy = 0;
    let yy = 0;
    for (let j = 0; j < n; j++) {
      sy += S[r + j] * Y[r + j];
      yy += Y[r + j] * Y[r + j];
    }
    const gamma = sy / yy;
    for (let j = 0; j < n; j++) q[j] *= gamma;
  }
  for (let i = 0; i < count; i++) {
    const r = row(i);
    const beta = rho[(head + i) % m] * dotRow(Y, r, q);
    for (let j = 0; j < n; j++) q[j] += S[r + j] * (alpha[i] - beta);
  }
  for (let j = 0; j < n; j++) q[j] = -q[j];
  return q;
}

/** A first trial step of length ~1/|g|_1, as in PyTorch's L-BFGS, keeps the first trial sane. */
function firstStep(g: Float64Array): number {
  return Math.min(1, 1 / g.reduce((a, v) => a + Math.abs(v), 0));
}

/**
 * One L-BFGS iteration: direction by the two-loop recursion, strong-Wolfe line search, then the
 * new (s, y) pair when s'y > 1e-10 y'y. A failed line search restarts from steepest descent with
 * no pairs. The state passed in is consumed (its buffers are reused).
 * @param fg the objective; its value and gradient at `s.x` must be `s.f`, `s.g`
 */
export async function lbfgsStep(
  s: LbfgsState,
  fg: Objective,
): Promise<{ state: LbfgsState; info: { f: number; t: number; reason?: LbfgsStopReason } }> {
  const stay = (reason: LbfgsStopReason, st: LbfgsState = s) => ({
    state: st,
    info: { f: st.f, t: 0, reason },
  });
  if (!Number.isFinite(s.f) || !s.g.every(Number.isFinite)) return stay("nonFinite");
  if (s.g.every((v) => v === 0)) return stay("stationary");
  const counter = { n: 0 };
  let st = s;
  let d = direction(st);
  let ls = await strongWolfe(fg, st.x, st.f, st.g, d, st.count ? 1 : firstStep(st.g), counter);
  if (!ls && st.count) {
    // bad curvature information: restart from steepest descent
    st = { ...st, count: 0, head: 0, restarts: st.restarts + 1 };
    d = st.g.map((v) => -v);
    ls = await strongWolfe(fg, st.x, st.f, st.g, d, firstStep(st.g), counter);
  }
  if (!ls) return stay("lineSearch", { ...st, evals: st.evals + counter.n });
  const { n, m } = st;
  const xNew = axpy(st.x, ls.t, d);
  const sv = new Float64Array(n);
  const yv = new Float64Array(n);
  for (let j = 0; j < n; j++) {
    sv[j] = xNew[j] - st.x[j];
    yv[j] = ls.g[j] - st.g[j];
  }
  const sy = dot(sv, yv);
  let { count, head } = st;
  if (sy > 1e-10 * dot(yv, yv)) {
    // append at the ring's tail, dropping the oldest pair when full
    const slot = (head + count) % m;
    st.S.set(sv, slot * n);
    st.Y.set(yv, slot * n);
    st.rho[slot] = 1 / sy;
    if (count < m) count++;
    else head = (head + 1) % m;
  }
  return {
    state: {
      ...st,
      x: xNew,
      f: ls.f,
      g: ls.g,
      count,
      head,
      iter: st.iter + 1,
      evals: st.evals + counter.n,
    },
    info: { f: ls.f, t: ls.t },
  };
}

/**
 * Minimise an objective with L-BFGS ({@link lbfgsStep} until a stopping rule holds).
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
  const { f: f0, g: g0 } = await fg(Float64Array.from(x0));
  let s = lbfgsInit(x0, f0, g0, o.history);
  const done = (iterations: number, reason: LbfgsResult["reason"]): LbfgsResult => ({
    x: s.x,
    f: s.f,
    iterations,
    evaluations: s.evals,
    reason,
  });
  if (!Number.isFinite(f0)) return done(0, "nonFinite");
  for (let iter = 0; iter < o.maxIter; iter++) {
    if (s.g.reduce((mx, v) => Math.max(mx, Math.abs(v)), 0) <= o.gradTol) {
      return done(iter, "gradTol");
    }
    const fOld = s.f;
    const { state, info } = await lbfgsStep(s, fg);
    s = state;
    if (info.reason) return done(iter, info.reason === "lineSearch" ? "lineSearch" : "nonFinite");
    const stop = await o.onIter?.(iter, s.f, s.x);
    if (stop === false) return done(iter + 1, "stopped");
    if (Math.abs(fOld - s.f) <= o.fTol * Math.max(Math.abs(fOld), Math.abs(s.f), 1e-300)) {
      return done(iter + 1, "fTol");
    }
  }
  return done(o.maxIter, "maxIter");
}
