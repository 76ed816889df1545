/**
 * Dense quasi-Newton methods on the inverse Hessian H [n, n], one iteration at a time, over flat
 * float64 vectors: BFGS, self-scaled BFGS and self-scaled Broyden, each with the strong-Wolfe line
 * search shared with L-BFGS. The state is plain data (numbers, booleans, Float64Arrays) so a run
 * can be checkpointed and resumed bit-exactly.
 *
 * All three are members of the scaled Broyden class written on the inverse Hessian,
 *
 *   H+ = (1/tau) (H - (H y y^T H) / (y^T H y) + phi (y^T H y) v v^T) + rho s s^T,
 *   v = rho s - H y / (y^T H y),  rho = 1 / (s^T y),
 *
 * with s = x+ - x, y = g+ - g. Every member satisfies the secant equation H+ y = s (v^T y = 0).
 * - BFGS: tau = 1, phi = 1 (Nocedal & Wright, "Numerical Optimization", 2nd ed., eq. 6.17).
 * - Self-scaled BFGS: phi = 1, tau = min(1, 1/b), b = s^T B s / s^T y with B = H^{-1}
 *   (Al-Baali, "Numerical experience with a class of self-scaling quasi-Newton algorithms",
 *   JOTA 96, 1998; Urban, Stefanou & Pons, J. Comput. Phys. 523, 2025, eq. 11: "SSBFGS_AB").
 * - Self-scaled Broyden: tau and phi from Al-Baali & Khalfan's wide interval ("A wide interval for
 *   efficient self-scaling quasi-Newton algorithms", Optim. Methods Softw. 20, 2005), as chosen by
 *   Urban, Stefanou & Pons (eqs. 13-23, their "SSBroyden2"); see `ssBroydenParameters`.
 */
import { dot, strongWolfe } from "./linesearch.js";
import { symMatVec } from "./linalg.js";
import { type Objective, checkMemory } from "./types.js";

/** The inverse-Hessian update. */
export type BfgsVariant = "bfgs" | "ssbfgs" | "ssbroyden";

/** Every variant, e.g. for a CLI's choices. */
export const BFGS_VARIANTS: readonly BfgsVariant[] = ["bfgs", "ssbfgs", "ssbroyden"];

/** Options of `bfgsStep`. */
export interface BfgsOptions {
  readonly variant: BfgsVariant;
  /** Skip the update unless s^T y > curvatureEps |s| |y|. */
  readonly curvatureEps: number;
  /**
   * Before the first update from the unscaled identity, set H = (s^T y / y^T y) I (Nocedal &
   * Wright eq. 6.20). Default true for "bfgs"; false for the self-scaled variants, whose tau
   * already rescales H (Urban et al. run them with `initial_scale=False`).
   */
  readonly initialScale: boolean;
  /** Armijo constant of the strong-Wolfe line search. */
  readonly c1: number;
  /** Curvature constant of the strong-Wolfe line search. */
  readonly c2: number;
  /** Objective evaluations per line search. */
  readonly maxLineSearchEvals: number;
}

/**
 * Options for a variant: curvatureEps 1e-12, c1 1e-4, c2 0.9, 25 evaluations per line search,
 * initialScale for "bfgs" only; `overrides` replace any of them.
 * @example const o = bfgsOptions("ssbroyden", { c2: 0.5 });
 */
export function bfgsOptions(
  variant: BfgsVariant,
  overrides: Partial<Omit<BfgsOptions, "variant">> = {},
): BfgsOptions {
  return {
    variant,
    curvatureEps: 1e-12,
    initialScale: variant === "bfgs",
    c1: 1e-4,
    c2: 0.9,
    maxLineSearchEvals: 25,
    ...overrides,
  };
}

/**
 * The optimiser's state: plain data, so it can be checkpointed field by field. `bfgsStep` updates
 * `H` in place (an n^2 copy per iteration would double the memory) and returns a new state object
 * sharing it: treat the state passed to `bfgsStep` as consumed.
 */
export interface BfgsState {
  /** Number of parameters. */
  readonly n: number;
  /** Current point [n]. */
  readonly x: Float64Array;
  /** Loss at x (of the objective the next step will use: see `bfgsRebase`). */
  readonly f: number;
  /** Gradient at x [n]. */
  readonly g: Float64Array;
  /** Inverse-Hessian approximation [n, n], row-major, symmetric. */
  readonly H: Float64Array;
  /** H is the unscaled identity (start, or a restart before any curvature pair). */
  readonly identity: boolean;
  /** s^T y / y^T y of the last accepted pair (1 before any): the scale of a restart's H. */
  readonly restartScale: number;
  /** Iterations taken (accepted steps). */
  readonly iter: number;
  /** Objective evaluations, including the initial one. */
  readonly evals: number;
  /** Updates skipped by the curvature test. */
  readonly skipped: number;
  /** Restarts of H to a multiple of the identity. */
  readonly restarts: number;
}

/** Why `bfgsStep` did not move: x, f and g are then unchanged. */
export type BfgsStopReason =
  /** f or g at x is not finite. */
  | "nonFinite"
  /** g = 0 exactly: nothing to do. */
  | "stationary"
  /** No strong-Wolfe point, even along steepest descent after a restart. */
  | "lineSearch";

/** What one `bfgsStep` did. */
export interface BfgsStepInfo {
  /** Loss after the step. */
  readonly f: number;
  /** Step length along the direction (0 when it did not move). */
  readonly t: number;
  /** The update was skipped by the curvature test. */
  readonly skipped: boolean;
  /** H was restarted (not a descent direction, or the line search failed). */
  readonly restarted: boolean;
  /** Present when the step did not move. */
  readonly reason?: BfgsStopReason;
}

/**
 * Bytes of the dense state for n parameters: H (8 n^2) and ~10 work vectors of n float64.
 * @example bfgsMemoryBytes(1000) // 8080000
 */
export function bfgsMemoryBytes(n: number): number {
  return 8 * (n * n + 10 * n);
}

/**
 * Throw unless a dense inverse Hessian for n parameters fits in `limitBytes`. The one-line error
 * names the optimiser and the parameter count, e.g. `optimizer=adam+ssbfgs: a dense inverse
 * Hessian for 123456 parameters needs 121.9 GB (limit 2.0 GB); use lbfgs, or a smaller network`.
 * @param optimizer the optimiser as the user named it (only printed)
 */
export function checkDenseMemory(optimizer: string, n: number, limitBytes: number): void {
  checkMemory({
    optimizer,
    what: "a dense inverse Hessian",
    params: n,
    bytes: bfgsMemoryBytes(n),
    limitBytes,
    hint: "use lbfgs, or a smaller network",
  });
}

/**
 * Initial state at x0 [n] with loss f0 and gradient g0 [n] (all copied), H = I. The evaluation
 * that produced f0, g0 is counted in `evals`.
 * @example
 * const { f, g } = await fg(x0);
 * let state = bfgsInit(x0, f, g);
 */
export function bfgsInit(x0: Float64Array, f0: number, g0: Float64Array): BfgsState {
  const n = x0.length;
  if (g0.length !== n) throw new Error(`bfgsInit: x0 has ${n} entries but g0 has ${g0.length}`);
  const H = new Float64Array(n * n);
  for (let i = 0; i < n; i++) H[i * n + i] = 1;
  return {
    n,
    x: Float64Array.from(x0),
    f: f0,
    g: Float64Array.from(g0),
    H,
    identity: true,
    restartScale: 1,
    iter: 0,
    evals: 1,
    skipped: 0,
    restarts: 0,
  };
}

/**
 * Replace the loss and gradient at the current point, keeping H: call it when the objective
 * changes between iterations (a resampled batch of collocation points, new loss weights), after
 * evaluating the new objective at `state.x`. The next step's y = g+ - g then compares gradients
 * of one objective. Counts one evaluation.
 * @param g the new gradient [n] (copied)
 */
export function bfgsRebase(state: BfgsState, f: number, g: Float64Array): BfgsState {
  if (g.length !== state.n) throw new Error(`bfgsRebase: expected ${state.n} entries`);
  return { ...state, f, g: Float64Array.from(g), evals: state.evals + 1 };
}

/** One curvature pair for `updateInverseHessian`. */
export interface SecantPair {
  /** Step s = x+ - x [n]. */
  readonly s: Float64Array;
  /** Gradient change y = g+ - g [n]. */
  readonly y: Float64Array;
  /**
   * s^T B s with B = H^{-1} for the H being updated; for a line-search step s = -t H g this is
   * -t s^T g, without inverting H. Used by the self-scaled variants only.
   */
  readonly sBs: number;
}

/** Outcome of `updateInverseHessian`. */
export type UpdateOutcome =
  | { readonly kind: "updated"; readonly tau: number; readonly phi: number }
  | { readonly kind: "skipped"; readonly sy: number };

/** Scaling tau and Broyden parameter phi of one self-scaled Broyden update. */
export interface BroydenParameters {
  readonly tau: number;
  readonly phi: number;
}

/**
 * tau and phi of the self-scaled Broyden update (Urban, Stefanou & Pons, J. Comput. Phys. 2025,
 * eqs. 13-23, from Al-Baali & Khalfan 2005), with b = s^T B s / s^T y, h = y^T H y / s^T y,
 * a = b h - 1 (>= 0 by Cauchy-Schwarz):
 *
 *   rho- = min(1, h (1 - sqrt(a / (1 + a)))),  theta- = (rho- - 1) / a,  theta+ = 1 / rho-,
 *   theta = max(theta-, min(theta+, (1 - b) / b)),  sigma = 1 + a theta,
 *   tau = min(min(1, 1/b) sigma^(1/(1-n)), sigma)        if theta <= 0,
 *   tau = min(1, 1/b) min(sigma^(1/(1-n)), 1/theta)       otherwise,
 *   phi = (1 - theta) / sigma.
 *
 * theta is the Broyden parameter of the direct (B) form, theta = 0 being BFGS (phi = 1). When
 * a <= 1e-14 every member of the class gives the same update (v = 0) and theta = 0 is taken; for
 * n = 1 the determinant factor sigma^(1/(1-n)) is taken as 1.
 */
export function ssBroydenParameters(b: number, h: number, n: number): BroydenParameters {
  const a = b * h - 1;
  const theta = ((): number => {
    if (!(a > 1e-14)) return 0;
    const rhoMinus = Math.min(1, h * (1 - Math.sqrt(a / (1 + a))));
    const thetaMinus = (rhoMinus - 1) / a;
    const thetaPlus = 1 / rhoMinus;
    return Math.max(thetaMinus, Math.min(thetaPlus, (1 - b) / b));
  })();
  const sigma = 1 + a * theta;
  const detFactor = n > 1 ? Math.pow(Math.abs(sigma), 1 / (1 - n)) : 1;
  const rhoTilde = Math.min(1, 1 / b);
  const tau =
    theta <= 0 ? Math.min(rhoTilde * detFactor, sigma) : rhoTilde * Math.min(detFactor, 1 / theta);
  return { tau, phi: (1 - theta) / sigma };
}

/**
 * Update H [n, n] in place with one curvature pair, by the variant's member of the scaled Broyden
 * class (see the module comment). Two O(n^2) passes: u = H y, then the symmetric rank-two update
 *
 *   H+_ij = (H_ij + A u_i u_j - B (s_i u_j + u_i s_j)) / tau + C s_i s_j,
 *   A = (phi - 1) / (y^T u),  B = phi rho,  C = phi rho^2 (y^T u) / tau + rho,
 *
 * computed on the upper triangle and mirrored, so H stays exactly symmetric.
 * Skipped (H untouched) unless s^T y > curvatureEps |s| |y| and y^T H y > 0.
 * @returns the tau and phi used, or the skipped pair's s^T y
 */
export function updateInverseHessian(
  H: Float64Array,
  n: number,
  pair: SecantPair,
  variant: BfgsVariant,
  curvatureEps: number,
): UpdateOutcome {
  const { s, y } = pair;
  const sy = dot(s, y);
  const norms = Math.sqrt(dot(s, s) * dot(y, y));
  if (!(sy > curvatureEps * norms)) return { kind: "skipped", sy };
  const u = symMatVec(H, y, n);
  const yu = dot(y, u);
  if (!(yu > 0) || !Number.isFinite(yu)) return { kind: "skipped", sy };
  const rho = 1 / sy;
  const b = pair.sBs / sy;
  const { tau, phi } = ((): BroydenParameters => {
    switch (variant) {
      case "bfgs":
        return { tau: 1, phi: 1 };
      case "ssbfgs":
        return { tau: Math.min(1, 1 / b), phi: 1 };
      case "ssbroyden":
        return ssBroydenParameters(b, yu * rho, n);
      default: {
        const never: never = variant;
        throw new Error(`updateInverseHessian: unknown variant ${String(never)}`);
      }
    }
  })();
  if (!(tau > 0) || !Number.isFinite(tau) || !Number.isFinite(phi)) {
    return { kind: "skipped", sy };
  }
  const A = (phi - 1) / yu;
  const B = phi * rho;
  const C = (phi * rho * rho * yu) / tau + rho;
  const invTau = 1 / tau;
  // The upper triangle in 64 x 64 tiles, each entry mirrored to (j, i) while the tile's rows and
  // columns are in cache: H stays exactly symmetric at half the arithmetic of the full matrix.
  const T = 64;
  for (let i0 = 0; i0 < n; i0 += T) {
    const i1 = Math.min(n, i0 + T);
    for (let j0 = i0; j0 < n; j0 += T) {
      const j1 = Math.min(n, j0 + T);
      for (let i = i0; i < i1; i++) {
        const ui = u[i];
        const si = s[i];
        const row = i * n;
        for (let j = Math.max(j0, i); j < j1; j++) {
          const v =
            (H[row + j] + A * ui * u[j] - B * (si * u[j] + ui * s[j])) * invTau + C * si * s[j];
          H[row + j] = v;
          H[j * n + i] = v;
        }
      }
    }
  }
  return { kind: "updated", tau, phi };
}

function setScaledIdentity(H: Float64Array, n: number, scale: number): void {
  H.fill(0);
  for (let i = 0; i < n; i++) H[i * n + i] = scale;
}

function direction(H: Float64Array, g: Float64Array, n: number): Float64Array {
  const d = symMatVec(H, g, n);
  for (let i = 0; i < n; i++) d[i] = -d[i];
  return d;
}

/** First trial step: 1 for a curvature-informed H; min(1, 1/|g|_1) from the unscaled identity. */
function firstTrial(identity: boolean, g: Float64Array): number {
  if (!identity) return 1;
  let l1 = 0;
  for (let i = 0; i < g.length; i++) l1 += Math.abs(g[i]);
  return Math.min(1, 1 / l1);
}

/**
 * One quasi-Newton iteration: d = -H g (restarting H when d is not a descent direction), a
 * strong-Wolfe line search along d (on failure, restart H = (s^T y / y^T y) I of the last pair
 * and search again along -H g), then the variant's inverse-Hessian update, skipped (and counted)
 * when the curvature test fails. `state.H` is updated in place; the returned state shares it.
 * @param fg the objective; its value and gradient at `state.x` must be `state.f`, `state.g`
 *   (after changing the objective, call `bfgsRebase` first)
 * @example
 * let state = bfgsInit(x0, f0, g0);
 * const opts = bfgsOptions("ssbfgs");
 * for (let k = 0; k < 1000; k++) {
 *   const { state: next, info } = await bfgsStep(state, fg, opts);
 *   state = next;
 *   if (info.reason) break;
 * }
 */
export async function bfgsStep(
  state: BfgsState,
  fg: Objective,
  opts: BfgsOptions,
): Promise<{ state: BfgsState; info: BfgsStepInfo }> {
  const { n, x, f, g, H } = state;
  const stay = (reason: BfgsStopReason, next: BfgsState, restarted: boolean) => ({
    state: next,
    info: { f: next.f, t: 0, skipped: false, restarted, reason },
  });
  if (!Number.isFinite(f) || !g.every(Number.isFinite)) return stay("nonFinite", state, false);
  if (g.every((v) => v === 0)) return stay("stationary", state, false);
  let identity = state.identity;
  let restarts = state.restarts;
  let restarted = false;
  const restart = () => {
    setScaledIdentity(H, n, state.restartScale);
    // unscaled and uninformed until a first pair has been accepted
    identity = state.iter - state.skipped === 0;
    restarts++;
    restarted = true;
  };
  let d = direction(H, g, n);
  if (!(dot(g, d) < 0)) {
    restart();
    d = direction(H, g, n);
  }
  const counter = { n: 0 };
  const search = (dir: Float64Array) =>
    strongWolfe(
      fg,
      x,
      f,
      g,
      dir,
      firstTrial(identity, g),
      counter,
      opts.c1,
      opts.c2,
      opts.maxLineSearchEvals,
    );
  let ls = await search(d);
  if (!ls && !restarted) {
    restart();
    d = direction(H, g, n);
    ls = await search(d);
  }
  const evals = state.evals + counter.n;
  if (!ls) return stay("lineSearch", { ...state, identity, restarts, evals }, restarted);
  const xNew = new Float64Array(n);
  const s = new Float64Array(n);
  const y = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    xNew[i] = x[i] + ls.t * d[i];
    s[i] = xNew[i] - x[i];
    y[i] = ls.g[i] - g[i];
  }
  // s = -t H g exactly up to rounding, so B s = -t g and s^T B s = -t s^T g
  let sBs = -ls.t * dot(s, g);
  const sy = dot(s, y);
  const yy = dot(y, y);
  if (identity && opts.initialScale && sy > opts.curvatureEps * Math.sqrt(dot(s, s) * yy)) {
    const gamma = sy / yy;
    setScaledIdentity(H, n, gamma);
    sBs /= gamma;
  }
  const outcome = updateInverseHessian(H, n, { s, y, sBs }, opts.variant, opts.curvatureEps);
  const skipped = outcome.kind === "skipped";
  const next: BfgsState = {
    n,
    x: xNew,
    f: ls.f,
    g: Float64Array.from(ls.g),
    H,
    identity: identity && skipped,
    restartScale: skipped ? state.restartScale : sy / yy,
    iter: state.iter + 1,
    evals,
    skipped: state.skipped + (skipped ? 1 : 0),
    restarts,
  };
  return { state: next, info: { f: ls.f, t: ls.t, skipped, restarted } };
}
