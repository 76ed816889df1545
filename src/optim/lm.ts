/**
 * Levenberg-Marquardt (damped Gauss-Newton) for a sum of squared residuals, loss = sum_i r_i^2,
 * one iteration at a time over flat float64 vectors, with Nielsen's damping update. The state is
 * plain data (numbers, booleans, Float64Arrays) for bit-exact checkpoints.
 *
 * Each iteration solves, by Cholesky,
 *
 *   (J^T J + mu D) delta = -J^T r,   D = I  or  D = diag(J^T J) (Marquardt's scaling),
 *
 * and accepts x + delta when the loss decreases. The gain ratio rho = actual / predicted decrease,
 * with the predicted decrease of the linear model |r + J delta|^2,
 *
 *   pred = |r|^2 - |r + J delta|^2 = delta^T (mu D delta - J^T r),
 *
 * drives the damping (Nielsen, "Damping parameter in Marquardt's method", IMM-REP-1999-05;
 * Madsen, Nielsen & Tingleff, "Methods for non-linear least squares problems", 2004, Alg. 3.16):
 * on acceptance mu *= max(1/3, 1 - (2 rho - 1)^3), nu = 2; on rejection mu *= nu, nu *= 2 and the
 * step is retried with the same J, up to `maxRejections` times. Levenberg (1944), Marquardt (1963).
 */
import { cholesky, choleskySolve } from "./linalg.js";
import { type ResidualObjective, checkMemory } from "./types.js";

/** The damping matrix D: the identity (Levenberg) or diag(J^T J) (Marquardt). */
export type LmScaling = "identity" | "marquardt";

/** The first damping mu: absolute, or tau times max_i (J^T J)_ii (tau alone for "marquardt"). */
export type LmInitialDamping =
  | { readonly kind: "absolute"; readonly mu: number }
  | { readonly kind: "relative"; readonly tau: number };

/** Options of `lmStep`. */
export interface LmOptions {
  readonly scaling: LmScaling;
  readonly initialDamping: LmInitialDamping;
  /** Rejected trial steps allowed within one `lmStep` before it gives up (x unchanged). */
  readonly maxRejections: number;
  /**
   * With "marquardt", D_ii = max((J^T J)_ii, diagFloor * max_j (J^T J)_jj), so a parameter the
   * residuals do not see still gets damped.
   */
  readonly diagFloor: number;
}

/**
 * Options: D = I, mu0 = 1e-3 max_i (J^T J)_ii (Madsen, Nielsen & Tingleff's tau = 1e-3), 10
 * rejections per step, diagFloor 1e-12; `overrides` replace any of them.
 * @example const o = lmOptions({ initialDamping: { kind: "absolute", mu: 0 } }); // Gauss-Newton
 */
export function lmOptions(overrides: Partial<LmOptions> = {}): LmOptions {
  return {
    scaling: "identity",
    initialDamping: { kind: "relative", tau: 1e-3 },
    maxRejections: 10,
    diagFloor: 1e-12,
    ...overrides,
  };
}

/** Levenberg-Marquardt state: plain data. */
export interface LmState {
  /** Number of parameters P. */
  readonly n: number;
  /** Current point [P]. */
  readonly x: Float64Array;
  /** sum r^2 at x; NaN until the first evaluation. */
  readonly f: number;
  /** Residuals at x [M], or empty when not evaluated yet (start, or after `lmRebase`). */
  readonly r: Float64Array;
  /** Jacobian at x [M, P] row-major, or empty together with r. */
  readonly J: Float64Array;
  /** Damping mu; NaN until set from the first Jacobian (relative initial damping). */
  readonly mu: number;
  /** Nielsen's growth factor for mu on rejection. */
  readonly nu: number;
  /** Accepted steps. */
  readonly iter: number;
  /** Residual evaluations. */
  readonly evals: number;
  /** Rejected trial steps, in all. */
  readonly rejections: number;
}

/** Why `lmStep` did not move: x is then unchanged. */
export type LmStopReason =
  /** The residuals or the Jacobian at x are not finite. */
  | "nonFinite"
  /** J^T r = 0 exactly: x is stationary. */
  | "stationary"
  /** `maxRejections` trial steps in a row failed to decrease the loss. */
  | "maxRejections";

/** What one `lmStep` did. */
export interface LmStepInfo {
  /** Loss after the step. */
  readonly f: number;
  /** Damping after the step. */
  readonly mu: number;
  /** Gain ratio of the accepted step (NaN when none). */
  readonly rho: number;
  /** Trial steps rejected within this step. */
  readonly rejections: number;
  /** Present when the step did not move. */
  readonly reason?: LmStopReason;
}

/**
 * Bytes of the dense arrays for P parameters and M residuals: J^T J, its damped copy and the
 * copy's Cholesky factor (3 P^2), the current and a trial Jacobian (2 M P), residuals and work
 * vectors.
 * @example lmMemoryBytes(100, 1000) // 8 * (3e4 + 2e5 + 2e3 + 800)
 */
export function lmMemoryBytes(p: number, m: number): number {
  return 8 * (3 * p * p + 2 * m * p + 2 * m + 8 * p);
}

/**
 * Throw unless Levenberg-Marquardt's dense arrays fit in `limitBytes`, with a one-line error
 * naming the optimiser, the parameter count and the residual count.
 * @param optimizer the optimiser as the user named it (only printed)
 */
export function checkLmMemory(optimizer: string, p: number, m: number, limitBytes: number): void {
  checkMemory({
    optimizer,
    what: "a dense Gauss-Newton matrix and Jacobian",
    params: p,
    residuals: m,
    bytes: lmMemoryBytes(p, m),
    limitBytes,
    hint: "use fewer collocation points, lbfgs, or a smaller network",
  });
}

/**
 * Initial state at x0 [P] (copied). Nothing is evaluated until the first `lmStep`.
 * @example let state = lmInit(x0, lmOptions());
 */
export function lmInit(x0: Float64Array, opts: LmOptions): LmState {
  return {
    n: x0.length,
    x: Float64Array.from(x0),
    f: NaN,
    r: new Float64Array(0),
    J: new Float64Array(0),
    mu: opts.initialDamping.kind === "absolute" ? opts.initialDamping.mu : NaN,
    nu: 2,
    iter: 0,
    evals: 0,
    rejections: 0,
  };
}

/**
 * Forget the residuals and Jacobian at x, keeping mu and nu: call it when the residual function
 * changes (resampled collocation points, new weights); the next step re-evaluates at x.
 */
export function lmRebase(state: LmState): LmState {
  return { ...state, f: NaN, r: new Float64Array(0), J: new Float64Array(0) };
}

function sumSquares(r: Float64Array): number {
  let s = 0;
  for (let i = 0; i < r.length; i++) s += r[i] * r[i];
  return s;
}

/** J^T J [P, P] (exactly symmetric) and J^T r [P] of J [M, P]. */
function normalEquations(
  J: Float64Array,
  r: Float64Array,
  p: number,
): { A: Float64Array; g: Float64Array } {
  const m = r.length;
  const A = new Float64Array(p * p);
  const g = new Float64Array(p);
  for (let i = 0; i < m; i++) {
    const row = i * p;
    const ri = r[i];
    for (let a = 0; a < p; a++) {
      const ja = J[row + a];
      if (ja === 0) continue;
      g[a] += ja * ri;
      const ra = a * p;
      for (let b = a; b < p; b++) A[ra + b] += ja * J[row + b];
    }
  }
  for (let a = 0; a < p; a++) for (let b = a + 1; b < p; b++) A[b * p + a] = A[a * p + b];
  return { A, g };
}

function checkShapes(r: Float64Array, J: Float64Array, p: number): void {
  if (J.length !== r.length * p) {
    throw new Error(`lmStep: J has ${J.length} entries, expected M * P = ${r.length} * ${p}`);
  }
}

/**
 * One Levenberg-Marquardt iteration: evaluate r, J at x if not cached, solve the damped normal
 * equations, try x + delta, and retry with larger damping on rejection (see the module comment).
 * @param resid residuals [M] and Jacobian [M, P] at a point [P]
 * @example
 * const opts = lmOptions();
 * let state = lmInit(x0, opts);
 * for (let k = 0; k < 100; k++) {
 *   const { state: next, info } = await lmStep(state, resid, opts);
 *   state = next;
 *   if (info.reason || info.f < 1e-20) break;
 * }
 */
export async function lmStep(
  state: LmState,
  resid: ResidualObjective,
  opts: LmOptions,
): Promise<{ state: LmState; info: LmStepInfo }> {
  const p = state.n;
  let { r, J, f, evals } = state;
  if (r.length === 0) {
    ({ r, J } = await resid(state.x));
    checkShapes(r, J, p);
    evals++;
    f = sumSquares(r);
  }
  const stay = (reason: LmStopReason, next: LmState, rejections: number) => ({
    state: next,
    info: { f: next.f, mu: next.mu, rho: NaN, rejections, reason },
  });
  if (!Number.isFinite(f) || !J.every(Number.isFinite)) {
    return stay("nonFinite", { ...state, r, J, f, evals }, 0);
  }
  const { A, g } = normalEquations(J, r, p);
  if (g.every((v) => v === 0)) return stay("stationary", { ...state, r, J, f, evals }, 0);
  let maxDiag = 0;
  for (let i = 0; i < p; i++) maxDiag = Math.max(maxDiag, A[i * p + i]);
  const D = new Float64Array(p);
  const scaling = opts.scaling;
  switch (scaling) {
    case "identity":
      D.fill(1);
      break;
    case "marquardt":
      for (let i = 0; i < p; i++) D[i] = Math.max(A[i * p + i], opts.diagFloor * maxDiag);
      break;
    default: {
      const never: never = scaling;
      throw new Error(`lmStep: unknown scaling ${String(never)}`);
    }
  }
  // the size of mu that damps noticeably: max (J^T J)_ii against D = I, 1 against diag(J^T J)
  const muScale = scaling === "identity" ? maxDiag : 1;
  const fromTau = (tau: number) => tau * (muScale > 0 ? muScale : 1);
  let mu = state.mu;
  if (Number.isNaN(mu)) {
    const init = opts.initialDamping;
    mu = init.kind === "relative" ? fromTau(init.tau) : init.mu;
  }
  let nu = state.nu;
  let rejected = 0;
  const reject = () => {
    // mu = 0 (pure Gauss-Newton) cannot grow by a factor: restart it at 1e-3 of the scale
    mu = mu > 0 ? mu * nu : fromTau(1e-3);
    nu *= 2;
    rejected++;
  };
  const M = new Float64Array(p * p);
  while (rejected < opts.maxRejections) {
    M.set(A);
    for (let i = 0; i < p; i++) M[i * p + i] += mu * D[i];
    const L = cholesky(M, p);
    if (!L) {
      reject();
      continue;
    }
    const delta = choleskySolve(
      L,
      g.map((v) => -v),
      p,
    );
    let pred = 0;
    for (let i = 0; i < p; i++) pred += delta[i] * (mu * D[i] * delta[i] - g[i]);
    const xNew = new Float64Array(p);
    for (let i = 0; i < p; i++) xNew[i] = state.x[i] + delta[i];
    const trial = await resid(xNew);
    checkShapes(trial.r, trial.J, p);
    evals++;
    const fNew = sumSquares(trial.r);
    if (Number.isFinite(fNew) && fNew < f && trial.J.every(Number.isFinite)) {
      const rho = pred > 0 ? (f - fNew) / pred : 0;
      mu *= Math.max(1 / 3, 1 - Math.pow(2 * rho - 1, 3));
      const next: LmState = {
        n: p,
        x: xNew,
        f: fNew,
        r: trial.r,
        J: trial.J,
        mu,
        nu: 2,
        iter: state.iter + 1,
        evals,
        rejections: state.rejections + rejected,
      };
      return { state: next, info: { f: fNew, mu, rho, rejections: rejected } };
    }
    reject();
  }
  const next: LmState = {
    ...state,
    r,
    J,
    f,
    mu,
    nu,
    evals,
    rejections: state.rejections + rejected,
  };
  return stay("maxRejections", next, rejected);
}
