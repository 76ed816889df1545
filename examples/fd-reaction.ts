/**
 * A reference solver for DeepXDE's reaction_inverse system, which DeepXDE reads from
 * reaction.npz (a file pinnlab does not have):
 *   ca_t = D ca_xx - kf ca cb^2,  cb_t = D cb_xx - 2 kf ca cb^2,  x in [0, 1], t in [0, T],
 *   ca = cb = exp(-20 x) at t = 0,  ca = cb = 1 - x at x = 0 and x = 1.
 * Method of lines: second-order central differences on `nx` equal intervals, the classical RK4 in
 * time with a step at half the explicit stability limit (RK4 is stable for dt D 4 / h^2 <= 2.78),
 * so the error is O(h^2) and the time error far below it. Halving h cuts the error about
 * fourfold (`PINNLAB_FD_CHECK=1 npx tsx examples/reaction-inverse.ts`, test/examples).
 */

/** The solution on the grid x_i = i / nx at each of `ts` (ascending, ts[0] = 0). */
export interface ReactionSolution {
  readonly x: Float64Array;
  /** Per output time, ca and cb at every x_i. */
  readonly ca: Float64Array[];
  readonly cb: Float64Array[];
}

/**
 * Solve the reaction-diffusion system by the method of lines.
 * @param D diffusivity; kf reaction rate; nx intervals in x; ts output times (ts[0] = 0)
 * @example solveReaction(2e-3, 0.1, 400, [0, 5, 10]).ca[2][200] // ca(0.5, 10)
 */
export function solveReaction(
  D: number,
  kf: number,
  nx: number,
  ts: readonly number[],
): ReactionSolution {
  const n = nx + 1;
  const h = 1 / nx;
  const x = Float64Array.from({ length: n }, (_, i) => i * h);
  const c = new Float64Array(2 * n);
  for (let i = 0; i < n; i++) c[i] = c[n + i] = Math.exp(-20 * x[i]);
  // boundary values 1 - x: 1 at x = 0, 0 at x = 1 (exp(-20) ~ 2e-9 at t = 0 is replaced at once)
  c[0] = c[n] = 1;
  c[n - 1] = c[2 * n - 1] = 0;
  const rhs = (y: Float64Array, out: Float64Array) => {
    out[0] = out[n - 1] = out[n] = out[2 * n - 1] = 0;
    for (let i = 1; i < n - 1; i++) {
      const a = y[i];
      const b = y[n + i];
      const r = kf * a * b * b;
      out[i] = (D * (y[i - 1] - 2 * a + y[i + 1])) / (h * h) - r;
      out[n + i] = (D * (y[n + i - 1] - 2 * b + y[n + i + 1])) / (h * h) - 2 * r;
    }
  };
  const k1 = new Float64Array(2 * n);
  const k2 = new Float64Array(2 * n);
  const k3 = new Float64Array(2 * n);
  const k4 = new Float64Array(2 * n);
  const tmp = new Float64Array(2 * n);
  const dtMax = (0.5 * 2.78 * h * h) / (4 * D);
  const ca: Float64Array[] = [c.slice(0, n)];
  const cb: Float64Array[] = [c.slice(n)];
  for (let o = 1; o < ts.length; o++) {
    const steps = Math.ceil((ts[o] - ts[o - 1]) / dtMax);
    const dt = (ts[o] - ts[o - 1]) / steps;
    for (let s = 0; s < steps; s++) {
      rhs(c, k1);
      for (let i = 0; i < 2 * n; i++) tmp[i] = c[i] + 0.5 * dt * k1[i];
      rhs(tmp, k2);
      for (let i = 0; i < 2 * n; i++) tmp[i] = c[i] + 0.5 * dt * k2[i];
      rhs(tmp, k3);
      for (let i = 0; i < 2 * n; i++) tmp[i] = c[i] + dt * k3[i];
      rhs(tmp, k4);
      for (let i = 0; i < 2 * n; i++) c[i] += (dt / 6) * (k1[i] + 2 * k2[i] + 2 * k3[i] + k4[i]);
    }
    ca.push(c.slice(0, n));
    cb.push(c.slice(n));
  }
  return { x, ca, cb };
}

/**
 * Max |difference| between two solutions at the coarser one's nodes (the finer has `ratio` times
 * its intervals) over all output times: the convergence check.
 */
export function reactionDifference(
  coarse: ReactionSolution,
  fine: ReactionSolution,
  ratio: number,
): number {
  let m = 0;
  coarse.ca.forEach((a, k) => {
    for (let i = 0; i < a.length; i++) {
      m = Math.max(m, Math.abs(a[i] - fine.ca[k][i * ratio]));
      m = Math.max(m, Math.abs(coarse.cb[k][i] - fine.cb[k][i * ratio]));
    }
  });
  return m;
}
