/**
 * Time marching, the sequence-to-sequence training of Krishnapriyan et al. (NeurIPS 2021, section
 * 4.2; also Wight & Zhao 2020): [t0, t1] is split into K windows; window k trains on its own time
 * slab with the previous window's prediction at its start as the initial condition, warm-starting
 * from the previous window's parameters; the evaluation stitches the windows together (a point at
 * time t belongs to the window containing t, the last window owning t1).
 */
import type { Box } from "../geometry/box.js";
import { initial } from "../problem/conditions.js";
import type { Condition } from "../problem/conditions.js";
import { type Problem, defineProblem } from "../problem/problem.js";

/** Window k's time range. */
export type Window = readonly [number, number];

/**
 * K equal windows over [t0, t1].
 * @example windowBounds(0, 1, 4) // [[0, 0.25], [0.25, 0.5], [0.5, 0.75], [0.75, 1]]
 */
export function windowBounds(t0: number, t1: number, k: number): Window[] {
  return Array.from({ length: k }, (_, i) => [
    t0 + ((t1 - t0) * i) / k,
    i === k - 1 ? t1 : t0 + ((t1 - t0) * (i + 1)) / k,
  ]);
}

/** Index of the window that owns time t (the last one owns t1; times outside clamp). */
export function windowOf(windows: readonly Window[], t: number): number {
  for (let i = 0; i < windows.length - 1; i++) if (t < windows[i][1]) return i;
  return windows.length - 1;
}

/**
 * A piecewise-linear interpolant of samples v at increasing nodes x (clamped outside), the
 * initial state a window inherits.
 */
export function interpolant(x: Float64Array, v: Float64Array): (p: number) => number {
  return (p) => {
    if (p <= x[0]) return v[0];
    const n = x.length;
    if (p >= x[n - 1]) return v[n - 1];
    let a = 0;
    let b = n - 1;
    while (b - a > 1) {
      const m = (a + b) >> 1;
      if (x[m] <= p) a = m;
      else b = m;
    }
    const s = (p - x[a]) / (x[b] - x[a]);
    return v[a] + s * (v[b] - v[a]);
  };
}

/**
 * The problem restricted to one window: the time range is the window's; when `state` is given
 * (every window after the first) each field's initial condition becomes that state at the
 * window's start. The reference is dropped (the stitched evaluation uses the original's).
 * @param state per field, u(t_start, x) as a function of the spatial input's value
 * @throws when the problem has no time input, several spatial inputs, or u_t initial conditions
 */
export function windowProblem(
  problem: Problem,
  window: Window,
  state: Readonly<Record<string, (x: number) => number>> | null,
): Problem {
  const d = problem.domain;
  if (d.time === null) throw new Error(`windows: ${problem.name} has no time input`);
  const ti = d.inputs.indexOf(d.time);
  const space = d.inputs.filter((n) => n !== d.time);
  if (space.length !== 1) {
    throw new Error(
      `windows: time marching supports one spatial input (${problem.name} has ${space.length})`,
    );
  }
  const domain: Box = {
    ...d,
    lo: d.lo.map((v, i) => (i === ti ? window[0] : v)),
    hi: d.hi.map((v, i) => (i === ti ? window[1] : v)),
  };
  const conditions: Record<string, Condition> = {};
  for (const [name, c] of Object.entries(problem.conditions)) {
    if (c.kind === "initial" && c.derivative === 1) {
      throw new Error(
        `windows: ${name} fixes u_t at t0; time marching needs first-order-in-time problems`,
      );
    }
    if (c.kind === "initial" && state) {
      const f = state[c.field];
      const xName = space[0];
      conditions[name] = initial(c.field, (p) => f(p[xName]));
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
