/**
 * The loss's conditioning at given parameters, for the doctor's `ill-conditioning` finding
 * (src/diagnostics/conditioning.ts): the weighted loss is rebuilt in float64 (the fused kernels
 * where they support the network, jax-js otherwise) on a fixed batch; Lanczos on
 * finite-difference Hessian-vector products of its flat gradient gives lambda_max, and Lanczos on
 * the Gauss-Newton kernel of the weighted per-point residuals (a subsample, Jacobians by jax-js
 * vmap of grad) gives the curvature the remaining loss sees. float64 matters: central differences
 * of a float32 gradient at |h v| ~ 1e-5 |x| are rounding noise.
 */
import {
  type CurvatureEstimate,
  effectiveKappa,
  finiteDifferenceHvp,
  hessianEnds,
  HVP_REL_STEP,
  residualSpectrum,
} from "../diagnostics/conditioning.js";
import { layoutSize, paramLayout } from "../loss/layout.js";
import { flattenParams, unflattenParams } from "../nets/flat.js";
import type { NetParams } from "../nets/network.js";
import type { Problem } from "../problem/problem.js";
import { Rng } from "../util/rng.js";
import type { TrainConfig } from "./config.js";
import { subsampleAll } from "./measure.js";
import { flatObjective, flatResiduals } from "./objective.js";
import { createBackend } from "./selectBackend.js";
import { prepare, sampleBatches } from "./setup.js";

/** Residual points of the Hessian's fixed batch (conditions: at most as many). */
export const CURVATURE_POINTS = 512;
/** Points per term of the Gauss-Newton subsample (rows of J: at most this many per term). */
export const GN_POINTS = 128;
/** Lanczos steps on the Hessian (each one Hessian-vector product, i.e. two gradients). */
export const HESSIAN_ITERATIONS = 20;

/**
 * Relative finite-difference step on the jax-js backend: its float64 gradient is accurate to
 * ~1e-7 only, and the rounding error of the difference is ~1e-7 |g| / h.
 */
export const JAX_REL_STEP = 1e-3;

/** What `measureCurvature` returns: the estimate and how it was measured. */
export interface CurvatureMeasurement extends CurvatureEstimate {
  /** Parameters P (the order of H). */
  readonly parameters: number;
  /** Points per term of the Hessian's batch. */
  readonly points: Record<string, number>;
  /** Rows M of the Gauss-Newton subsample's J [M, P'] (P' <= P: the dense layers' parameters). */
  readonly gnRows: number;
  /** The weighted loss and |g| at the parameters (float64, on the Hessian's batch). */
  readonly loss: number;
  readonly gradNorm: number;
  /** |h v| / max(1, |x|) of the finite differences. */
  readonly relStep: number;
  /** The objective's backend ("kernels": float64 to a few ulps; "jax": float32-accurate tanh). */
  readonly backend: "jax" | "kernels";
  readonly seconds: number;
}

/**
 * Measure the conditioning of the weighted loss (no causal weights) at `params` (not consumed).
 * @param problem the problem as trained (conditions named in `config.hard` are removed here too)
 * @param config the run's configuration; precision is raised to float64 for the measurement
 * @param weights term weights of the loss (missing names weigh 1)
 * @param seed seed of the fixed batch
 */
export async function measureCurvature(
  problem: Problem,
  config: TrainConfig,
  params: NetParams,
  weights: Readonly<Record<string, number>>,
  seed: number,
  opts: { points?: number; gnPoints?: number; iterations?: number; relStep?: number } = {},
): Promise<CurvatureMeasurement> {
  const t0 = performance.now();
  const points = opts.points ?? CURVATURE_POINTS;
  const c = {
    ...config,
    precision: "float64" as const,
    causal: false,
    bcPoints: Math.min(config.bcPoints, points),
  };
  const prepared = prepare(problem, c);
  const ctx = { ...prepared, c };
  const { flat: x, layout } = await flattenParams(params);
  const P = x.length;
  const batches = sampleBatches(prepared.problem, c, new Rng(seed), points);
  const backend = await createBackend(
    prepared.problem,
    prepared.net,
    c,
    unflattenParams(x, layout, "float64"),
  );
  const fo = flatObjective(ctx, backend, batches, weights, layout);
  let measured: Omit<CurvatureMeasurement, "gaussNewton" | "lambdaEff" | "kappa" | "gnRows">;
  try {
    const { f, g } = await fo.fg(x);
    const gradNorm = Math.sqrt(g.reduce((s, v) => s + v * v, 0));
    // jax-js's float64 tanh/sin/exp are float32-accurate (docs/ARCHITECTURE.md): its gradient
    // carries ~1e-7 relative noise, so its differences need a larger step than the kernels'
    const relStep = opts.relStep ?? (backend.kind === "kernels" ? HVP_REL_STEP : JAX_REL_STEP);
    const hv = finiteDifferenceHvp(async (y) => (await fo.fg(y)).g, x, relStep);
    const hessian = await hessianEnds(hv, P, g, opts.iterations ?? HESSIAN_ITERATIONS);
    measured = {
      lambdaMax: hessian.lambdaMax,
      hessian,
      parameters: P,
      points: Object.fromEntries(Object.entries(batches).map(([k, b]) => [k, b.rows])),
      loss: f,
      gradNorm,
      relStep,
      backend: backend.kind,
      seconds: 0,
    };
  } finally {
    fo.dispose();
    backend.dispose();
  }
  // J's columns are the dense layers' parameters (`paramLayout`: trainable PDE coefficients are
  // not among them, so G leaves them out); J J' does not depend on the column order, so the
  // identity stands for the leaf permutation
  const Pj = layoutSize(paramLayout(params));
  const sub = subsampleAll(prepared.problem, batches, opts.gnPoints ?? GN_POINTS);
  const ro = flatResiduals(ctx, sub, weights, layout, [...Array(Pj).keys()]);
  try {
    const { r, J } = await ro.resid(x);
    const gaussNewton = await residualSpectrum(r, J, r.length, Pj);
    return {
      ...measured,
      gaussNewton,
      lambdaEff: gaussNewton.lambdaEff,
      kappa: effectiveKappa(measured.lambdaMax, gaussNewton.lambdaEff),
      gnRows: r.length,
      seconds: (performance.now() - t0) / 1000,
    };
  } finally {
    ro.dispose();
  }
}
