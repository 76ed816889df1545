/**
 * Exact solution of the viscous Burgers equation used by Raissi et al. (2019):
 *
 *   u_t + u u_x = nu u_xx,  x in [-1, 1],  u(0, x) = -sin(pi x),  u(t, ±1) = 0,  nu = 0.01 / pi.
 *
 * Method: the Cole-Hopf transform turns the problem into the heat equation; in the form of
 * Basdevant et al., "Spectral and finite difference solutions of the Burgers equation",
 * Computers & Fluids 14 (1986), with f(y) = exp(-cos(pi y) / (2 pi nu)),
 *
 *   u(t, x) = -∫ sin(pi (x - η)) f(x - η) exp(-η² / 4νt) dη / ∫ f(x - η) exp(-η² / 4νt) dη,
 *
 * evaluated by Gauss-Hermite quadrature after η = sqrt(4νt) s. The odd, 2-periodic initial data
 * make the whole-line solution vanish at x = ±1, so no boundary treatment is needed.
 */
import { gaussHermite } from "./gaussHermite.js";
import type { Grid1D, Numbers } from "./grid.js";

/** Raissi et al.'s viscosity, 0.01 / pi. */
export const BURGERS_NU = 0.01 / Math.PI;

/**
 * Quadrature nodes used by default. The integrand's peaks (where cos(pi y) = -1) narrow, in the
 * quadrature variable s, as sqrt(t) grows, so the node count needed grows with t. Measured for
 * nu = 0.01 / pi against 600 nodes: 256 nodes agree to ~1e-15 for t <= 2, 1e-12 at t = 5 and 4e-7
 * at t = 10; use 400 beyond t = 5.
 */
export const BURGERS_NODES = 256;

interface ColeHopfSums {
  /** -u. */
  ratio: number;
  /** ∫ d/dy[sin(pi y) f(y)] w / ∫ f w, the x-derivative of the numerator over the denominator. */
  dRatio: number;
}

/**
 * Both quadratures with one common scale: each term is exp(log w_k - cos(pi y_k) / (2 pi nu)),
 * and f alone spans exp(±50) for the default nu, so the largest exponent is factored out first.
 */
function coleHopfSums(t: number, x: number, nu: number, nodes: number): ColeHopfSums {
  const rule = gaussHermite(nodes);
  const width = Math.sqrt(4 * nu * t);
  const c = 1 / (2 * Math.PI * nu);
  const exponent = new Float64Array(nodes);
  let top = -Infinity;
  for (let k = 0; k < nodes; k++) {
    exponent[k] = rule.logWeights[k] - c * Math.cos(Math.PI * (x - width * rule.nodes[k]));
    if (exponent[k] > top) top = exponent[k];
  }
  let den = 0;
  let num = 0;
  let dNum = 0;
  for (let k = 0; k < nodes; k++) {
    const y = Math.PI * (x - width * rule.nodes[k]);
    const s = Math.sin(y);
    const term = Math.exp(exponent[k] - top);
    den += term;
    num += s * term;
    // d/dy[sin(pi y) f(y)] = (pi cos(pi y) + sin²(pi y) / (2 nu)) f(y).
    dNum += (Math.PI * Math.cos(y) + (s * s) / (2 * nu)) * term;
  }
  return { ratio: num / den, dRatio: dNum / den };
}

function checkTime(t: number): void {
  if (!(t >= 0)) throw new RangeError(`burgers: t must be >= 0, got ${t}`);
}

/**
 * u(t, x) of the Burgers problem above; exactly -sin(pi x) at t = 0.
 *
 * @param nodes Gauss-Hermite nodes (default {@link BURGERS_NODES}).
 * @example burgersExact(0.5, 0) // 0 (the shock sits at x = 0)
 */
export function burgersExact(t: number, x: number, nu = BURGERS_NU, nodes = BURGERS_NODES): number {
  checkTime(t);
  if (t === 0) return -Math.sin(Math.PI * x);
  return -coleHopfSums(t, x, nu, nodes).ratio;
}

/**
 * du/dx(t, x), from the analytically differentiated quadratures: with u = -N/D and
 * D' = N / (2 nu), u_x = -N'/D + u² / (2 nu). No finite-difference step to tune.
 *
 * @example burgersExactDx(1.6037 / Math.PI, 0) // ≈ -152.00516 (Basdevant et al.'s steepest slope)
 */
export function burgersExactDx(
  t: number,
  x: number,
  nu = BURGERS_NU,
  nodes = BURGERS_NODES,
): number {
  checkTime(t);
  if (t === 0) return -Math.PI * Math.cos(Math.PI * x);
  const { ratio, dRatio } = coleHopfSums(t, x, nu, nodes);
  return -dRatio + (ratio * ratio) / (2 * nu);
}

/**
 * The exact solution on the tensor grid t × x; shapes t [nt], x [nx], u [nt * nx] row-major
 * (u[i * nx + j] = u(t[i], x[j])).
 *
 * @example burgersGrid([0, 0.5], [-1, 0, 1]).u.length // 6
 */
export function burgersGrid(
  t: Numbers,
  x: Numbers,
  nu = BURGERS_NU,
  nodes = BURGERS_NODES,
): Grid1D {
  const tt = Float64Array.from(t);
  const xx = Float64Array.from(x);
  const u = new Float64Array(tt.length * xx.length);
  for (let i = 0; i < tt.length; i++) {
    for (let j = 0; j < xx.length; j++)
      u[i * xx.length + j] = burgersExact(tt[i], xx[j], nu, nodes);
  }
  return { t: tt, x: xx, u };
}
