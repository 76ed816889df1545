/**
 * Time marching, the sequence-to-sequence training of Krishnapriyan et al. (NeurIPS 2021, section
 * 4.2; also Wight & Zhao 2020): [t0, t1] is split into K windows; window k trains on its own time
 * slab with the previous window's prediction at its start as the initial condition, warm-starting
 * from the previous window's parameters; the evaluation stitches the windows together (a point at
 * time t belongs to the window containing t, the last window owning t1).
 */
import type { Box } from "../geometry/box.js";
import { initial, initialRate } from "../problem/conditions.js";
import type { Condition } from "../problem/conditions.js";
import { type Problem, defineProblem } from "../problem/problem.js";

/** Window k's time range. */
export type Window = readonly [number, number];

/**
 * K windows over [t0, t1], each `ratio` times as long as the one before (1: equal). A ratio above
 * 1 grades the windows towards t0, as graded time meshes resolve a solution's weak singularity at
 * the start (Stynes, O'Riordan & Gracia, SIAM J. Numer. Anal. 2017, there for time-fractional
 * diffusion; a parabolic problem with kinked initial data varies like sqrt(t)): the first window,
 * of length L0 = (t1 - t0) (r - 1) / (r^K - 1), holds the steepest part, and the later ones, where
 * the solution is smooth, grow.
 * @example windowBounds(0, 1, 4) // [[0, 0.25], [0.25, 0.5], [0.5, 0.75], [0.75, 1]]
 * @example windowBounds(0, 7, 3, 2) // [[0, 1], [1, 3], [3, 7]]
 */
export function windowBounds(t0: number, t1: number, k: number, ratio = 1): Window[] {
  if (!(ratio > 0) || !Number.isFinite(ratio)) {
    throw new Error(`windowRatio: ${ratio} is not a positive number`);
  }
  // the offset of window i's start from t0 (equal windows keep their arithmetic bit for bit)
  const at = (i: number) =>
    ratio === 1 ? ((t1 - t0) * i) / k : ((t1 - t0) * (ratio ** i - 1)) / (ratio ** k - 1);
  return Array.from({ length: k }, (_, i) => [t0 + at(i), i === k - 1 ? t1 : t0 + at(i + 1)]);
}

/** Index of the window that owns time t (the last one owns t1; times outside clamp). */
export function windowOf(windows: readonly Window[], t: number): number {
  for (let i = 0; i < windows.length - 1; i++) if (t < windows[i][1]) return i;
  return windows.length - 1;
}

/**
 * A piecewise-cubic interpolant of samples v at increasing nodes x (clamped outside), the initial
 * state a window inherits: on [x_a, x_a+1] the cubic through the four nearest nodes (a - 1 .. a +
 * 2, shifted inwards at the ends; fewer when there are fewer nodes). Its error is O(h^4) for
 * smooth states, against O(h^2) for linear interpolation: 1,024 nodes of a state with u'' ~ 10
 * cost ~1e-5 linearly, far above the ~1e-7 the second-order phases reach in a window.
 */
export function interpolant(x: Float64Array, v: Float64Array): (p: number) => number {
  const n = x.length;
  const k = Math.min(4, n);
  return (p) => {
    if (p <= x[0]) return v[0];
    if (p >= x[n - 1]) return v[n - 1];
    let a = 0;
    let b = n - 1;
    while (b - a > 1) {
      const m = (a + b) >> 1;
      if (x[m] <= p) a = m;
      else b = m;
    }
    const s = Math.max(0, Math.min(a - 1, n - k));
    let sum = 0;
    for (let i = s; i < s + k; i++) {
      let l = 1;
      for (let j = s; j < s + k; j++) if (j !== i) l *= (p - x[j]) / (x[i] - x[j]);
      sum += l * v[i];
    }
    return sum;
  };
}

/**
 * The problem restricted to one window: the time range is the window's; when `state` is given
 * (every window after the first) each field's initial condition becomes that state at the
 * window's start. The reference is dropped (the stitched evaluation uses the original's).
 * A problem with time as its only input (an ODE system) marches too: its state is one number per
 * field (the functions of `state` and `rate` are called with 0) and becomes a constant initial
 * value, which `hard` can impose exactly.
 * @param state per field, u(t_start, x) as a function of the spatial input's value
 * @param rate per field, u_t(t_start, x), for the fields whose initial rate is fixed (equations
 *   second order in time: wave, Klein-Gordon, a second-order ODE); needed with `state` when the
 *   problem has them
 * @throws when the problem has no time input, several spatial inputs, or u_t initial conditions
 *   and a state without rates
 * @example windowProblem(ode, [0.5, 1], { y: () => 0.3 }) // y(0.5) = 0.3 in the second window
 */
export function windowProblem(
  problem: Problem,
  window: Window,
  state: Readonly<Record<string, (x: number) => number>> | null,
  rate: Readonly<Record<string, (x: number) => number>> | null = null,
): Problem {
  const d = problem.domain;
  if (d.time === null) throw new Error(`windows: ${problem.name} has no time input`);
  const ti = d.inputs.indexOf(d.time);
  const space = d.inputs.filter((n) => n !== d.time);
  if (space.length > 1) {
    throw new Error(
      `windows: time marching supports at most one spatial input (${problem.name} has ${space.length})`,
    );
  }
  const domain: Box = {
    ...d,
    lo: d.lo.map((v, i) => (i === ti ? window[0] : v)),
    hi: d.hi.map((v, i) => (i === ti ? window[1] : v)),
  };
  const conditions: Record<string, Condition> = {};
  for (const [name, c] of Object.entries(problem.conditions)) {
    if (c.kind === "initial" && state) {
      if (c.derivative === 1) {
        const g = rate?.[c.field];
        if (!g) throw new Error(`windows: ${name} fixes u_t at t0 but no end rate was passed`);
        conditions[name] = initialRate(c.field, space.length === 0 ? g(0) : (p) => g(p[space[0]]));
      } else {
        const f = state[c.field];
        conditions[name] = initial(c.field, space.length === 0 ? f(0) : (p) => f(p[space[0]]));
      }
    } else conditions[name] = c;
  }
  return defineProblem({
    name: problem.name,
    domain,
    fields: problem.fields,
    residuals: problem.residuals,
    conditions,
  });
}
