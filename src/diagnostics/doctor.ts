/**
 * The doctor: turns measured statistics into named findings with evidence and a fix.
 *
 * - `gradient-imbalance` (Wang, Teng & Perdikaris 2021): the optimiser follows the loudest term.
 *   Evidence: lambda_hat_i = max|grad L_res| / mean|grad L_i| per condition term, the ratio their
 *   learning-rate annealing uses. Threshold {@link IMBALANCE_THRESHOLD}.
 * - `ntk-spectral-gap` (Wang, Yu & Perdikaris 2022): under gradient flow term i's residual decays
 *   at rates set by the eigenvalues of its NTK block K_ii, so blocks whose traces differ by orders
 *   of magnitude are learned at rates that differ as much. Evidence: the traces, the trace ratios
 *   (the NTK weights) and, for reference, the per-point mean eigenvalues Tr(K_ii) / n_i.
 *   Threshold {@link NTK_SPREAD_THRESHOLD} on the trace spread.
 * - `causality-violation` (Wang, Sankaran & Perdikaris 2022): the residual is largest in the
 *   earliest time chunks while later ones look fitted. Evidence: the temporal residual profile
 *   (src/diagnostics/causality.ts) and the ratio of its first quarter's mean to its second
 *   half's. Threshold {@link CAUSALITY_THRESHOLD}.
 * - `ill-conditioning` (Krishnapriyan et al. 2021; Rathore et al. 2024): first-order training
 *   stalls because the loss Hessian is ill-conditioned. Evidence: the stall of the Adam phase's
 *   logged loss and an effective condition number of the Hessian from Lanczos on float64
 *   finite-difference Hessian-vector products (src/diagnostics/conditioning.ts). Thresholds
 *   {@link STALL_THRESHOLD} and {@link KAPPA_THRESHOLD}, both must be crossed.
 */
import type { ImbalanceRecord } from "../loss/gradients.js";
import type { NtkReport } from "../loss/ntk.js";
import type { CausalProfile } from "./causality.js";
import type { CurvatureEstimate, LossStall } from "./conditioning.js";

/** Pathologies the doctor names. */
export type PathologyId =
  "gradient-imbalance" | "ntk-spectral-gap" | "causality-violation" | "ill-conditioning";

/** Every pathology, in the order the doctor reports them. */
export const PATHOLOGIES: readonly PathologyId[] = [
  "gradient-imbalance",
  "ntk-spectral-gap",
  "causality-violation",
  "ill-conditioning",
];

/** The paper behind each finding (for reports and help texts). */
export function pathologyReference(id: PathologyId): string {
  switch (id) {
    case "gradient-imbalance":
      return "Wang, Teng & Perdikaris 2021";
    case "ntk-spectral-gap":
      return "Wang, Yu & Perdikaris 2022";
    case "causality-violation":
      return "Wang, Sankaran & Perdikaris 2022";
    case "ill-conditioning":
      return "Krishnapriyan et al. 2021; Rathore et al. 2024";
    default: {
      const never: never = id;
      throw new Error(`unknown pathology ${String(never)}`);
    }
  }
}

/** One finding: detected or not, the numbers behind it, and what to change. */
export interface Finding {
  pathology: PathologyId;
  detected: boolean;
  evidence: Record<string, unknown>;
  fix: { set: Record<string, string | number | boolean>; why: string };
  /** One plain-language sentence for the terminal. */
  summary: string;
}

/**
 * lambda_hat above this flags an imbalance. The ratio compares a maximum with a mean, so even
 * balanced terms give max/mean ~ 5-20 over a few thousand parameters (the tail of |g|). Measured
 * with `pinnlab diagnose <problem> --json` (500 Adam steps, defaults, seed 0): convection
 * (beta = 1, trains fine) ic 6.6, bc 14; Helmholtz (a = 1, 4) bc 702; wave1d 486-1134.
 * 50 sits 3.5x above the worst healthy case and an order of magnitude below the sick ones.
 */
export const IMBALANCE_THRESHOLD = 50;

/**
 * max/min of the per-term NTK traces Tr(K_ii) (each over the term's NTK subsample: up to 128
 * points, all of them when a term has fewer) above this flags a spectral gap. It is the spread of
 * the weights lambda_i = Tr(K) / Tr(K_ii) that Wang, Yu & Perdikaris (2022) use to equalise the
 * terms' convergence rates, so it measures exactly what their cure corrects. Measured with
 * `pinnlab diagnose <problem> --json` (500 Adam steps, defaults, seed 0): the problems that train
 * well give burgers 2.5 and convection (beta = 1) 5.0; the ones that fail give helmholtz2d 36.6,
 * wave1d 36.6, poisson1d (k = 4) 279 and klein-gordon 2.0e4. 20 sits 4x above the healthy ones
 * and below every failing one.
 */
export const NTK_SPREAD_THRESHOLD = 20;

/**
 * How the loss is configured, so the findings judge the loss as trained: `weights` are the term
 * weights relative to the residual's (a condition weighted 100 pulls 100x harder), `exact` the
 * terms the network satisfies by construction (a periodic condition under the periodic
 * embedding), whose vanishing loss and gradient say nothing about balance.
 */
export interface LossSetup {
  readonly weights?: Readonly<Record<string, number>>;
  readonly exact?: readonly string[];
}

/** The gradient-imbalance finding from the imbalance records of `gradientStats`. */
export function imbalanceFinding(
  measured: readonly ImbalanceRecord[],
  setup: LossSetup = {},
): Finding {
  // lambda_hat of the weighted loss: max|grad L_res| / mean|grad (w_i L_i)|
  const records = measured
    .filter((r) => !setup.exact?.includes(r.term))
    .map((r) => ({ ...r, ratio: r.ratio / (setup.weights?.[r.term] ?? 1) }));
  const worst = records.reduce<ImbalanceRecord | null>(
    (w, r) => (!w || r.ratio > w.ratio ? r : w),
    null,
  );
  const ratio = worst?.ratio ?? 0;
  const detected = ratio > IMBALANCE_THRESHOLD;
  const ratios = Object.fromEntries(records.map((r) => [r.term, r.ratio]));
  return {
    pathology: "gradient-imbalance",
    detected,
    evidence: {
      ratios,
      max_ratio: ratio,
      worst_term: worst?.term ?? null,
      threshold: IMBALANCE_THRESHOLD,
      term_weights: setup.weights ?? null,
      exact_terms: setup.exact ?? [],
    },
    fix: {
      set: { weighting: "gradnorm" },
      why: "learning-rate annealing re-weights each condition by the measured gradient ratio (Wang, Teng & Perdikaris 2021)",
    },
    summary: detected
      ? `The PDE residual's gradients are ${ratio.toFixed(0)}x louder than those of "${worst?.term}": training follows the residual and neglects that condition. Try --set weighting=gradnorm.`
      : `The loss terms pull with comparable strength (worst gradient ratio ${ratio.toFixed(1)}, threshold ${IMBALANCE_THRESHOLD}).`,
  };
}

/** The NTK spectral-gap finding from an `ntkReport`. */
export function ntkFinding(report: NtkReport, setup: LossSetup = {}): Finding {
  // the weighted loss's kernel blocks are w_i K_ii; exact terms have none worth comparing
  const judged = report.terms.filter((t) => !setup.exact?.includes(t.term));
  const wTrace = (t: { term: string; trace: number }) => (setup.weights?.[t.term] ?? 1) * t.trace;
  const wTraces = judged.map(wTrace);
  const spread = judged.length ? Math.max(...wTraces) / Math.min(...wTraces) : 1;
  const detected = spread > NTK_SPREAD_THRESHOLD;
  const byTerm = Object.fromEntries(
    report.terms.map((t) => [
      t.term,
      {
        mean_eigenvalue: t.meanDiag,
        trace: t.trace,
        lambda_max: t.lambdaMax,
        trace_ratio: t.traceRatio,
      },
    ]),
  );
  const sorted = [...judged].sort((a, b) => wTrace(a) - wTrace(b));
  const slow = sorted[0]?.term;
  const fast = sorted[sorted.length - 1]?.term;
  return {
    pathology: "ntk-spectral-gap",
    detected,
    evidence: {
      terms: byTerm,
      trace_spread: spread,
      term_weights: setup.weights ?? null,
      exact_terms: setup.exact ?? [],
      mean_eigenvalue_spread: report.meanDiagSpread,
      threshold: NTK_SPREAD_THRESHOLD,
      ntk_weights: report.weights,
    },
    fix: {
      set: { weighting: "ntk" },
      why: "NTK weights lambda_i = Tr(K) / Tr(K_ii) equalise the terms' convergence rates (Wang, Yu & Perdikaris 2022)",
    },
    summary: detected
      ? `The NTK trace of "${fast}" is ${spread.toExponential(1)}x that of "${slow}": "${slow}" will be learned far more slowly. Try --set weighting=ntk.`
      : `The terms' NTK traces are of similar size (spread ${spread.toFixed(1)}x, threshold ${NTK_SPREAD_THRESHOLD}).`,
  };
}

/**
 * Mean residual of the first quarter of the time chunks over that of the second half, above which
 * causality is flagged. Measured (docs/BENCHMARKS.md, causality diagnosis): plain Allen-Cahn
 * after its 4,000 steps 62; healthy runs 3.6 (Allen-Cahn time marching), 5.0 (plain Allen-Cahn
 * after only 500 steps, not yet separated), 5.1 (convection beta = 1, 200 steps).
 */
export const CAUSALITY_THRESHOLD = 10;

/** early/late ratio of a profile: mean of the first quarter over mean of the second half. */
export function earlyLateRatio(loss: readonly number[]): number {
  const M = loss.length;
  const q = Math.max(1, Math.floor(M / 4));
  const mean = (a: readonly number[]) => a.reduce((s, v) => s + v, 0) / Math.max(a.length, 1);
  const late = mean(loss.slice(Math.floor(M / 2)));
  const early = mean(loss.slice(0, q));
  return late > 0 ? early / late : early > 0 ? Infinity : 1;
}

/**
 * The causality finding from the temporal residual profiles of `causalProfile` (Wang, Sankaran &
 * Perdikaris 2022). Not applicable (not detected) without a time input.
 */
export function causalityFinding(profiles: readonly CausalProfile[]): Finding {
  const rated = profiles.map((p) => ({ p, ratio: earlyLateRatio(p.loss) }));
  const worst = rated.reduce<(typeof rated)[number] | null>(
    (w, r) => (!w || r.ratio > w.ratio ? r : w),
    null,
  );
  const ratio = worst?.ratio ?? 0;
  const detected = ratio > CAUSALITY_THRESHOLD;
  return {
    pathology: "causality-violation",
    detected,
    evidence: {
      profiles: Object.fromEntries(profiles.map((p) => [p.term, { t: p.t, loss: p.loss }])),
      early_late_ratio: ratio,
      term: worst?.p.term ?? null,
      threshold: CAUSALITY_THRESHOLD,
    },
    fix: {
      set: { causal: true },
      why: "causal weights w_i = exp(-eps sum_{k<i} L_k) make later times wait until earlier ones are fitted (Wang, Sankaran & Perdikaris 2022)",
    },
    summary:
      profiles.length === 0
        ? "No time input: causality does not apply."
        : detected
          ? `The residual in the earliest quarter of time is ${ratio.toFixed(0)}x that of the second half: later times were fitted before earlier ones. Try --set causal=true.`
          : `The residual does not pile up at early times (early/late ratio ${ratio.toFixed(2)}, threshold ${CAUSALITY_THRESHOLD}).`,
  };
}

/**
 * The logged loss fell by less than this fraction over the last half of the Adam phase
 * (`lossStall`'s decrease, a fit of log10(loss)): it has stalled. Measured with `pinnlab diagnose
 * <problem> --json` (500 Adam steps, defaults, seed 0; docs/BENCHMARKS.md): still falling are
 * convection beta = 1 (seeds 0-2: 93%, 79%, 92%), klein-gordon 73% and convection beta = 10 52%;
 * stalled are allen-cahn 40%, wave1d 31%, burgers 15%, convection beta = 30 11%, helmholtz2d 6%,
 * poisson1d 3%, reaction 3% and convection beta = 50 2%. 0.5 sits between 40% and 52%.
 */
export const STALL_THRESHOLD = 0.5;

/**
 * Effective condition number kappa = lambda_max(H) / lambda_eff (`measureCurvature`: the
 * Hessian's top eigenvalue over the median Gauss-Newton curvature of the remaining loss) above
 * which a stalled loss is blamed on ill-conditioning. Measured as {@link STALL_THRESHOLD}: the
 * runs whose loss still falls have 3.2e3, 7.2e3 and 3.5e3 (convection beta = 1, seeds 0-2) and
 * 1.9e4 (klein-gordon); every stalled run has more: burgers 2.4e4 (seed 1: 2.5e5), wave1d 9.0e5,
 * helmholtz2d 1.9e6, poisson1d 2.5e6, allen-cahn 6.4e6, convection beta = 30 2.1e9, reaction
 * and convection beta = 50 at the 1e12 cap (lambda_eff below float64 resolution). 1e4 sits above
 * the healthy convection runs (1.4x over the worst seed) and below every stalled run of the zoo's
 * defaults; a stall in well-conditioned modes stays below it (poisson1d with `fourier=16`, 100
 * steps: fell 34%, kappa 42).
 */
export const KAPPA_THRESHOLD = 1e4;

/**
 * The ill-conditioning finding: detected when the loss stalled (decrease over the last half below
 * {@link STALL_THRESHOLD}) and the Hessian's effective condition number exceeds
 * {@link KAPPA_THRESHOLD}. Without a stall measurement (too few logged records) or a curvature
 * estimate it is not detected.
 */
export function illConditioningFinding(
  stall: LossStall | null,
  curvature: CurvatureEstimate | null,
): Finding {
  const decrease = stall?.decrease ?? null;
  const kappa = curvature?.kappa ?? null;
  const stalled = decrease !== null && decrease < STALL_THRESHOLD;
  const stiff = kappa !== null && kappa > KAPPA_THRESHOLD;
  const detected = stalled && stiff;
  const pct =
    decrease === null
      ? "?"
      : decrease >= 0
        ? `${(100 * decrease).toFixed(0)}%`
        : `it grew ${(-100 * decrease).toFixed(0)}%`;
  const k = kappa === null ? "?" : `~${kappa.toExponential(0).replace("e+", "e")}`;
  return {
    pathology: "ill-conditioning",
    detected,
    evidence: {
      stall: stall ?? null,
      loss_decrease_last_half: decrease,
      stall_threshold: STALL_THRESHOLD,
      kappa,
      kappa_threshold: KAPPA_THRESHOLD,
      lambda_max: curvature?.lambdaMax ?? null,
      lambda_eff: curvature?.lambdaEff ?? null,
      hessian_lambda_min_ritz: curvature?.hessian.lambdaMin ?? null,
      gauss_newton_lambda_max: curvature?.gaussNewton.lambdaMax ?? null,
      curvature: curvature ?? null,
    },
    fix: {
      set: { optimizer: "adam+ssbroyden", precision: "float64" },
      why: "self-scaled quasi-Newton steps rescale the flat directions the Hessian leaves to first-order methods, in float64 so the curvature pairs stay accurate (Urban, Stefanou & Pons 2024; Kiyani et al. 2025)",
    },
    summary:
      decrease === null || kappa === null
        ? "Too few logged steps or no curvature estimate: conditioning not judged."
        : detected
          ? `The loss stalled (${pct} over the last half) and the Hessian's condition number is ${k}: first-order steps crawl along the flat directions. Try --set optimizer=adam+ssbroyden --set precision=float64.`
          : stalled
            ? `The loss stalled (${pct} over the last half) but the Hessian is not ill-conditioned (condition number ${k}, threshold ${KAPPA_THRESHOLD.toExponential(0).replace("e+", "e")}).`
            : `The loss is still falling (${pct} over the last half; condition number ${k}).`,
  };
}
