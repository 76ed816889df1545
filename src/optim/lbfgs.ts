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
