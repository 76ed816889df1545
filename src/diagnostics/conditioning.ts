/**
 * The measurements behind the doctor's `ill-conditioning` finding: whether first-order training
 * has stalled (from the logged loss), and how ill-conditioned the loss Hessian is at the current
 * parameters (from Hessian-vector products, no P x P matrix).
 *
 * - Stall: a least-squares line through log10(loss) of the Adam phase's logged records over the
 *   last half of its steps; `decrease` = 1 - 10^(slope * half), the fraction by which the fitted
 *   loss fell over that half. The fit, not two end points, because minibatch losses are noisy.
 * - Curvature: kappa = lambda_max / lambda_eff, where
 *   - lambda_max is the loss Hessian's largest eigenvalue, by Lanczos on Hessian-vector products
 *     Hv ~ (g(x + h v) - g(x - h v)) / 2h, central differences of the float64 flat gradient on a
 *     fixed batch (error O(h^2) from the third derivative plus O(eps |g| / h) from rounding),
 *     started from the gradient;
 *   - lambda_eff is the curvature the remaining loss sees: the median, over the loss's share in
 *     each mode, of the Gauss-Newton eigenvalues (G = 2 J'J of the weighted per-point residuals
 *     r, |r|^2 = the loss): half of the loss lies along directions of curvature <= lambda_eff.
 *     From Lanczos on the kernel 2 J J' started from r (Golub & Meurant 2010: the Ritz weights
 *     are r's spectral measure).
 *   A stable first-order step is at most 2 / lambda_max, so kappa is about how many steps it
 *   takes to remove half of the remaining loss by an e-fold: an effective condition number. It is
 *   not lambda_max / lambda_min of the Hessian, which for an overparameterised network is
 *   infinite or undefined (a bulk of ~zero and negative eigenvalues, reported as the lowest Ritz
 *   value for reference). Near a fit H ~ G, and the measured lambda_max(H) and lambda_max(G) agree
 *   (convection: 397 vs 397).
 *
 * References: Krishnapriyan et al., "Characterizing possible failure modes in physics-informed
 * neural networks" (NeurIPS 2021): the convection loss landscape degrades as beta grows;
 * Rathore, Lei, Frangella, Lu & Udell, "Challenges in training PINNs: a loss landscape
 * perspective" (ICML 2024): Hessian spectra show ill-conditioning from the differential operator,
 * cured by L-BFGS and NysNewton-CG; Urban, Stefanou & Pons (J. Comput. Phys. 2024): self-scaled
 * quasi-Newton methods; Nocedal & Wright, "Numerical Optimization" (2006, section 8.1) for
 * finite-difference Hessian-vector products (Pearlmutter 1994 gives them exactly by
 * forward-over-reverse differentiation, which the fused kernels do not offer).
 */
import { type AsyncMatVec, lanczosQuadrature } from "../util/eigen.js";

/** A flat gradient oracle: g(x) [P] at float64 parameters x [P]. */
export type GradientFn = (x: Float64Array) => Promise<Float64Array>;

/** Default relative step of the finite differences: h * |v| = HVP_REL_STEP * max(1, |x|). */
export const HVP_REL_STEP = 1e-5;

function norm(a: Float64Array): number {
  let s = 0;
  for (const v of a) s += v * v;
  return Math.sqrt(s);
}

/**
 * Hessian-vector products by central differences of the gradient at x:
 * Hv ~ (g(x + h v) - g(x - h v)) / (2 h), with the step scaled so that |h v| = rel * max(1, |x|)
 * (two gradient evaluations per product; exact for a quadratic up to rounding).
 * @param grad the gradient oracle (float64: in float32 the differences are rounding noise)
 * @param x [P] the parameters (not modified)
 * @param rel relative step (default {@link HVP_REL_STEP}, near eps^(1/3) for float64 gradients)
 * @example
 * const hv = finiteDifferenceHvp(async (x) => (await fg(x)).g, x);
 * const Hv = await hv(v); // [P]
 */
export function finiteDifferenceHvp(
  grad: GradientFn,
  x: Float64Array,
  rel: number = HVP_REL_STEP,
): AsyncMatVec {
  const x0 = Float64Array.from(x);
  const scale = rel * Math.max(1, norm(x0));
  return async (v) => {
    const nv = norm(v);
    if (nv === 0) return new Float64Array(v.length);
    const h = scale / nv;
    const gp = await grad(x0.map((xi, i) => xi + h * v[i]));
    const gm = await grad(x0.map((xi, i) => xi - h * v[i]));
    return gp.map((a, i) => (a - gm[i]) / (2 * h));
  };
}

/** Floor of lambdaEff relative to lambdaMax, so kappa <= KAPPA_CAP (float64 rounding). */
export const KAPPA_CAP = 1e12;

/**
 * The median of a discrete spectral measure: the smallest value v such that the weights of the
 * values <= v sum to at least half the total.
 * @param values [m] any order
 * @param weights [m] non-negative
 * @example spectralMedian([100, 1, 0.01], [0.3, 0.3, 0.4]) // 1
 */
export function spectralMedian(values: ArrayLike<number>, weights: ArrayLike<number>): number {
  const idx = Array.from({ length: values.length }, (_, i) => i).sort(
    (a, b) => values[a] - values[b],
  );
  let total = 0;
  for (let i = 0; i < weights.length; i++) total += weights[i];
  let acc = 0;
  for (const i of idx) {
    acc += weights[i];
    if (acc >= total / 2) return values[i];
  }
  return values[idx[idx.length - 1]];
}

/** Ritz values (descending) with their weights, from `lanczosQuadrature`. */
export interface RitzSummary {
  readonly ritz: number[];
  readonly weights: number[];
  /** Lanczos steps taken (= operator products). */
  readonly iterations: number;
}

/** The top and bottom of the Hessian's spectrum from Lanczos on Hessian-vector products. */
export interface HessianEnds extends RitzSummary {
  /** Largest Ritz value: lambda_max(H) (the extremes converge first). */
  readonly lambdaMax: number;
  /** Smallest Ritz value: approaches lambda_min(H), negative when H is indefinite. */
  readonly lambdaMin: number;
  /** s'Hs / s's for the start vector s (the curvature along the gradient when s = g). */
  readonly rayleigh: number;
}

/**
 * lambda_max and lambda_min of a symmetric operator by m Lanczos steps from `start` (e.g. the
 * gradient, which lies mostly along the stiffest directions, so lambda_max converges in a few
 * steps). With m = n the Ritz values are the exact spectrum.
 * @param op y = H x (e.g. `finiteDifferenceHvp`)
 * @param n order of H
 * @param start [n] start vector (a seeded random one when it is zero)
 * @param iterations Lanczos steps (default 20)
 */
export async function hessianEnds(
  op: AsyncMatVec,
  n: number,
  start: Float64Array,
  iterations = 20,
): Promise<HessianEnds> {
  // at a stationary point (g = 0) any start reaches the ends: a seeded random one
  const moving = start.some((v) => v !== 0);
  const q = await lanczosQuadrature(op, n, { start: moving ? start : undefined, iterations });
  let rayleigh = 0;
  q.values.forEach((v, j) => (rayleigh += v * q.weights[j]));
  return {
    lambdaMax: q.values[0],
    lambdaMin: q.values[q.values.length - 1],
    rayleigh,
    ritz: [...q.values],
    weights: [...q.weights],
    iterations: q.iterations,
  };
}

/** Where the remaining loss sits in the Gauss-Newton spectrum. */
export interface ResidualSpectrum extends RitzSummary {
  /** Largest Ritz value of G = 2 J'J (its lambda_max, close to the Hessian's near a fit). */
  readonly lambdaMax: number;
  /** Median curvature of the residual's energy (see `residualSpectrum`). */
  readonly lambdaEff: number;
  /** |r|^2: the weighted loss on the subsample. */
  readonly loss: number;
}

/**
 * The curvature the remaining loss sees. For a least-squares loss L = |r|^2 with residual
 * Jacobian J [M, P], the Gauss-Newton matrix G = 2 J'J [P, P] has the same non-zero eigenvalues
 * mu_j as the kernel K = 2 J J' [M, M] (the weighted empirical NTK, Wang, Yu & Perdikaris 2022);
 * under gradient descent the component of r along K's eigenvector u_j shrinks at a rate
 * proportional to mu_j. m Lanczos steps on K from r give Ritz values with weights
 * (u_j . r)^2 / |r|^2, the share of the loss in each mode (Gauss quadrature of that measure);
 * lambdaEff is its median: half of the loss lies in modes of curvature <= lambdaEff. Only
 * products with J and J' are formed (O(M P) each), never K.
 * @param r [M] residuals, scaled so that |r|^2 is the loss
 * @param J [M, P] row-major, dr/dx
 * @param iterations Lanczos steps (default min(M, 60))
 */
export async function residualSpectrum(
  r: Float64Array,
  J: Float64Array,
  M: number,
  P: number,
  iterations = 60,
): Promise<ResidualSpectrum> {
  if (r.length !== M || J.length !== M * P) {
    throw new Error(`residualSpectrum: r [${r.length}] and J [${J.length}] for M = ${M}, P = ${P}`);
  }
  let loss = 0;
  for (const v of r) loss += v * v;
  const t = new Float64Array(P);
  const op: AsyncMatVec = (v) => {
    t.fill(0);
    for (let i = 0; i < M; i++) {
      const vi = v[i];
      if (vi === 0) continue;
      const row = i * P;
      for (let k = 0; k < P; k++) t[k] += J[row + k] * vi;
    }
    const out = new Float64Array(M);
    for (let i = 0; i < M; i++) {
      let s = 0;
      const row = i * P;
      for (let k = 0; k < P; k++) s += J[row + k] * t[k];
      out[i] = 2 * s;
    }
    return Promise.resolve(out);
  };
  // an exact fit (r = 0) has no loss to place: then the measure is that of a random vector
  const q = await lanczosQuadrature(op, M, {
    start: loss > 0 ? r : undefined,
    iterations: Math.min(M, iterations),
  });
  return {
    lambdaMax: q.values[0],
    lambdaEff: spectralMedian(q.values, q.weights),
    loss,
    ritz: [...q.values],
    weights: [...q.weights],
    iterations: q.iterations,
  };
}

/**
 * The effective condition number kappa = lambda_max / lambda_eff, lambda_eff floored at
 * lambda_max / {@link KAPPA_CAP} (below that the Gauss-Newton eigenvalues are float64 rounding).
 * 1 when lambda_max <= 0 (no positive curvature to compare with).
 */
export function effectiveKappa(lambdaMax: number, lambdaEff: number): number {
  if (!(lambdaMax > 0)) return 1;
  return lambdaMax / Math.max(lambdaEff, lambdaMax / KAPPA_CAP);
}

/** What the ill-conditioning finding reads: the Hessian's ends and the residual's spectrum. */
export interface CurvatureEstimate {
  /** lambda_max of the Hessian (Lanczos on finite-difference Hessian-vector products). */
  readonly lambdaMax: number;
  /** The residual's median Gauss-Newton curvature (`residualSpectrum`). */
  readonly lambdaEff: number;
  /** `effectiveKappa(lambdaMax, lambdaEff)`. */
  readonly kappa: number;
  readonly hessian: HessianEnds;
  readonly gaussNewton: ResidualSpectrum;
}

/** A logged point of the loss curve. */
export interface LossPoint {
  readonly step: number;
  readonly loss: number;
}

/** How much the logged loss still fell over the last half of the steps. */
export interface LossStall {
  /** First and last step of the fitted window (the last half of the logged steps). */
  readonly fromStep: number;
  readonly toStep: number;
  /** Logged records in the window. */
  readonly points: number;
  /** Least-squares slope of log10(loss) per step over the window. */
  readonly slope: number;
  /** 1 - 10^(slope * (toStep - fromStep)): the fitted loss's relative decrease (< 0: it grew). */
  readonly decrease: number;
}

/**
 * The stall measurement over logged records (e.g. the Adam phase's), see the module notes.
 * Records with a non-finite or non-positive loss are skipped.
 * @returns null with fewer than 3 usable records in the last half
 * @example lossStall([{ step: 0, loss: 1 }, ...]).decrease // 0.03: 3% over the last half
 */
export function lossStall(records: readonly LossPoint[]): LossStall | null {
  const ok = records.filter((r) => Number.isFinite(r.loss) && r.loss > 0);
  if (ok.length === 0) return null;
  const first = ok[0].step;
  const last = ok[ok.length - 1].step;
  const mid = first + (last - first) / 2;
  const win = ok.filter((r) => r.step >= mid);
  if (win.length < 3) return null;
  const xs = win.map((r) => r.step);
  const ys = win.map((r) => Math.log10(r.loss));
  const mx = xs.reduce((a, b) => a + b, 0) / xs.length;
  const my = ys.reduce((a, b) => a + b, 0) / ys.length;
  let sxy = 0;
  let sxx = 0;
  xs.forEach((x, i) => {
    sxy += (x - mx) * (ys[i] - my);
    sxx += (x - mx) * (x - mx);
  });
  const slope = sxx > 0 ? sxy / sxx : 0;
  const span = xs[xs.length - 1] - xs[0];
  return {
    fromStep: xs[0],
    toStep: xs[xs.length - 1],
    points: win.length,
    slope,
    decrease: 1 - 10 ** (slope * span),
  };
}
