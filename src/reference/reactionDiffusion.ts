/**
 * Reaction and reaction-diffusion problems of Krishnapriyan et al., "Characterizing possible failure
 * modes in physics-informed neural networks", NeurIPS 2021, on x in [0, 2 pi) periodic, t in [0, 1],
 * with u0(x) = exp(-(x - pi)^2 / (2 (pi / 4)^2)):
 *
 *   reaction:            u_t = rho u (1 - u),
 *   reaction-diffusion:  u_t = nu u_xx + rho u (1 - u).
 *
 * The reaction problem is a logistic ODE at each x and has a closed form. Reaction-diffusion is
 * solved by Fourier pseudo-spectral ETDRK4 (Kassam & Trefethen 2005) with L = -nu k^2 and
 * N(u) = rho u (1 - u); the authors used a first-order splitting, which this replaces by a fourth-
 * order scheme. u0 is taken as its samples on the periodic grid: its derivative jumps by ~3.4e-3
 * across x = 0, which diffusion smooths at once. Measured on their test grid (256 x, 100 t) for
 * nu in {1, 3, 6}, rho in {5, 10}: the default dt is within 3e-11 (max abs) of dt = 2.5e-4, and the
 * default n = 512 within 1e-7 of n = 1024, the kink limiting spatial convergence to algebraic.
 */
import { compatibleStep, etdrk4 } from "./etdrk4.js";
import { trigInterpolate } from "./fft.js";
import type { Grid1D, Numbers } from "./grid.js";

/** The Gaussian initial condition centred at pi with standard deviation pi / 4. */
export function reactionInitial(x: number): number {
  const s = Math.PI / 4;
  return Math.exp(-((x - Math.PI) ** 2) / (2 * s * s));
}

/**
 * Exact solution of u_t = rho u (1 - u), u(0, x) = h(x): u = h e^{rho t} / (h e^{rho t} + 1 - h).
 *
 * @example reactionExact(0, Math.PI, 5) // 1
 */
export function reactionExact(t: number, x: number, rho: number): number {
  const h = reactionInitial(x);
  // Divided through by e^{rho t} so that large rho t saturates at 1 instead of giving inf / inf.
  return h / (h + (1 - h) * Math.exp(-rho * t));
}

function tensorGrid(t: Numbers, x: Numbers, f: (t: number, x: number) => number): Grid1D {
  const tt = Float64Array.from(t);
  const xx = Float64Array.from(x);
  const u = new Float64Array(tt.length * xx.length);
  for (let i = 0; i < tt.length; i++) {
    for (let j = 0; j < xx.length; j++) u[i * xx.length + j] = f(tt[i], xx[j]);
  }
  return { t: tt, x: xx, u };
}

/**
 * The reaction solution on the tensor grid t × x; shapes t [nt], x [nx], u [nt * nx] row-major.
 *
 * @example reactionGrid([0, 1], [0, Math.PI], 5).u // [h(0), 1, ..., 1]
 */
export function reactionGrid(t: Numbers, x: Numbers, rho: number): Grid1D {
  return tensorGrid(t, x, (ti, xj) => reactionExact(ti, xj, rho));
}

export interface ReactionDiffusionOptions {
  /** Diffusion coefficient (>= 0). */
  nu: number;
  /** Reaction rate. */
  rho: number;
  /** Output times, non-negative, on a common spacing (e.g. uniform). */
  t: Numbers;
  /** Output points in [0, 2 pi); any points, solver grid points are read off exactly. */
  x: Numbers;
  /** Solver grid points, a power of two; default 512. */
  n?: number;
  /** Largest time step; the step used divides the output spacing. Default 1e-3. */
  dt?: number;
}

/**
 * Index of the solver grid point at x, or -1 when x is off the grid (then the trigonometric
 * interpolant is used).
 */
function gridIndex(x: number, n: number): number {
  const position = (x / (2 * Math.PI)) * n;
  const j = Math.round(position);
  return Math.abs(position - j) < 1e-8 ? ((j % n) + n) % n : -1;
}

function sampleRow(row: Float64Array, x: Float64Array): Float64Array {
  const n = row.length;
  const off = x.filter((xj) => gridIndex(xj, n) < 0);
  // One transform per row serves every off-grid point.
  const values = off.length > 0 ? trigInterpolate(row, 0, 2 * Math.PI, off) : off;
  let q = 0;
  return x.map((xj) => {
    const j = gridIndex(xj, n);
    return j >= 0 ? row[j] : values[q++];
  });
}

/**
 * Reaction-diffusion on the tensor grid t × x (Krishnapriyan et al.'s setup); shapes t [nt],
 * x [nx], u [nt * nx] row-major. Times must share a common spacing (see `compatibleStep`).
 *
 * @example reactionDiffusionGrid({ nu: 3, rho: 5, t: [0, 0.5, 1], x: [0, Math.PI] })
 */
export function reactionDiffusionGrid(options: ReactionDiffusionOptions): Grid1D {
  const { nu, rho } = options;
  const n = options.n ?? 512;
  const solved = etdrk4({
    a: 0,
    b: 2 * Math.PI,
    n,
    dt: compatibleStep(options.t, options.dt ?? 1e-3),
    tOut: options.t,
    linear: (k) => -nu * k * k,
    nonlinear: { kind: "flux", flux: (u) => rho * u * (1 - u) },
    u0: reactionInitial,
  });
  const x = Float64Array.from(options.x);
  const u = new Float64Array(solved.t.length * x.length);
  for (let i = 0; i < solved.t.length; i++) {
    u.set(sampleRow(solved.u.subarray(i * n, (i + 1) * n), x), i * x.length);
  }
  return { t: solved.t, x, u };
}
