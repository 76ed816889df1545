/**
 * Gradient-statistics weighting, in two variants selected by `variant`:
 *
 * - `"lra"`: learning-rate annealing of S. Wang, Y. Teng, P. Perdikaris, "Understanding and
 *   mitigating gradient flow pathologies in physics-informed neural networks", SIAM J. Sci.
 *   Comput. 43(5), 2021 (arXiv:2001.04536), Algorithm 1. The residual keeps its weight; every other
 *   term i gets lambda_hat_i = max |grad L_r| / mean |grad L_i| (eq. 40) and the moving average
 *   lambda_i <- (1 - alpha) lambda_i + alpha lambda_hat_i (eq. 41), alpha = 0.9 recommended.
 *   Note the factor placement: in the paper's equation alpha = 0.9 multiplies the NEW estimate
 *   and (1 - alpha) = 0.1 the old weight. The authors' TensorFlow code does the opposite
 *   (`new * (1 - beta) + beta * old`, beta = 0.9, updated every 10 steps) and takes the mean over
 *   the weighted term's gradient |grad (lambda_i L_i)|; `alpha: 0.1, weighted: true` reproduces it.
 *
 * - `"norm"`: the grad-norm balancing of S. Wang, S. Sankaran, H. Wang, P. Perdikaris, "An
 *   expert's guide to training physics-informed neural networks" (arXiv:2308.08468, 2023), as in
 *   their jaxpi library: lambda_hat_i = (sum_j ||grad L_j||) / ||grad L_i|| for every term
 *   (residual included), then lambda_i <- momentum lambda_i + (1 - momentum) lambda_hat_i with
 *   momentum 0.9 on the OLD weight. jaxpi's code divides the mean over terms instead of the sum
 *   (a factor of the number of terms): `reduce: "mean"`.
 */
import {
  type StateBase,
  type TermWeights,
  type Weighting,
  checkRange,
  initialWeightsFor,
  requireGradStats,
} from "./types.js";

/** Learning-rate annealing (Wang, Teng & Perdikaris 2021). */
export interface LraWeightingConfig {
  readonly kind: "gradnorm";
  readonly variant: "lra";
  /** Weight of the new estimate in lambda <- (1 - alpha) lambda + alpha lambda_hat. Default 0.9. */
  readonly alpha?: number;
  /** Divide by mean |grad (lambda_i L_i)| (the authors' code) instead of mean |grad L_i|. Default false. */
  readonly weighted?: boolean;
}

/** Grad-norm balancing (Wang, Sankaran, Wang & Perdikaris 2023; jaxpi). */
export interface NormWeightingConfig {
  readonly kind: "gradnorm";
  readonly variant: "norm";
  /** Weight of the OLD value in lambda <- m lambda + (1 - m) lambda_hat. Default 0.9. */
  readonly momentum?: number;
  /** Numerator: "sum" of the norms (the paper), or their "mean" (jaxpi's code). Default "sum". */
  readonly reduce?: "sum" | "mean";
}

/** Either gradient-statistics variant. */
export type GradNormWeightingConfig = LraWeightingConfig | NormWeightingConfig;

/** State of learning-rate annealing. */
export interface LraState extends StateBase {
  readonly kind: "lra";
}

/** State of grad-norm balancing. */
export interface NormState extends StateBase {
  readonly kind: "grad-norm";
}

/** Check a gradient-statistics configuration; errors name the field. */
export function validateGradNormConfig(c: GradNormWeightingConfig): void {
  switch (c.variant) {
    case "lra":
      if (c.alpha !== undefined) checkRange("alpha", c.alpha, 0, 1, true);
      return;
    case "norm":
      if (c.momentum !== undefined) checkRange("momentum", c.momentum, 0, 1);
      if (c.reduce !== undefined && c.reduce !== "sum" && c.reduce !== "mean") {
        throw new Error(`weighting.reduce must be "sum" or "mean", got "${String(c.reduce)}"`);
      }
      return;
    default: {
      const never: never = c;
      throw new Error(
        `weighting.variant: unknown "${String((never as GradNormWeightingConfig).variant)}" (use "lra" or "norm")`,
      );
    }
  }
}

/**
 * Learning-rate annealing. Needs `inputs.gradStats` (maxAbs of every "residual" term, meanAbs of
 * every other term). Terms of kind "residual" keep their initial weight; with several, the
 * residual's max |g| is the largest of theirs. A term whose mean |g| is 0 keeps its weight.
 * @example
 * const w = lraWeighting({ kind: "gradnorm", variant: "lra" });
 * let s = w.init(problem.terms);
 * [weights, s] = w.update({ step, losses, gradStats: gradientStats(g, layout, problem.terms).terms }, s);
 */
export function lraWeighting(c: LraWeightingConfig): Weighting<LraState> {
  validateGradNormConfig(c);
  const alpha = c.alpha ?? 0.9;
  const label = "gradnorm (lra)";
  return {
    init(terms, initialWeights) {
      if (!terms.some((t) => t.kind === "residual")) {
        throw new Error(`weighting "${label}" needs a term of kind "residual"`);
      }
      return {
        kind: "lra",
        terms,
        weights: initialWeightsFor(label, terms, initialWeights),
        updates: 0,
      };
    },
    update(inputs, s) {
      const g = requireGradStats(
        label,
        inputs,
        s.terms.map((t) => t.name),
      );
      const resMax = Math.max(
        ...s.terms.filter((t) => t.kind === "residual").map((t) => g[t.name].maxAbs),
      );
      const w: TermWeights = { ...s.weights };
      for (const t of s.terms) {
        if (t.kind === "residual") continue;
        const mean = g[t.name].meanAbs * (c.weighted ? s.weights[t.name] : 1);
        if (!(mean > 0)) continue;
        const hat = resMax / mean;
        w[t.name] = (1 - alpha) * s.weights[t.name] + alpha * hat;
      }
      return [{ ...w }, { ...s, weights: w, updates: s.updates + 1 }];
    },
  };
}

/**
 * Grad-norm balancing (jaxpi). Needs `inputs.gradStats` (the norm of every term's gradient).
 * A term whose gradient norm is 0 keeps its weight.
 * @example
 * const w = normWeighting({ kind: "gradnorm", variant: "norm" });
 * let s = w.init(problem.terms);
 * [weights, s] = w.update({ step, losses, gradStats }, s);
 */
export function normWeighting(c: NormWeightingConfig): Weighting<NormState> {
  validateGradNormConfig(c);
  const m = c.momentum ?? 0.9;
  const label = "gradnorm (norm)";
  return {
    init: (terms, initialWeights) => ({
      kind: "grad-norm",
      terms,
      weights: initialWeightsFor(label, terms, initialWeights),
      updates: 0,
    }),
    update(inputs, s) {
      const g = requireGradStats(
        label,
        inputs,
        s.terms.map((t) => t.name),
      );
      const norms = s.terms.map((t) => g[t.name].norm);
      const sum = norms.reduce((a, b) => a + b, 0);
      const num = c.reduce === "mean" ? sum / norms.length : sum;
      const w: TermWeights = { ...s.weights };
      s.terms.forEach((t, i) => {
        if (!(norms[i] > 0)) return;
        w[t.name] = m * s.weights[t.name] + (1 - m) * (num / norms[i]);
      });
      return [{ ...w }, { ...s, weights: w, updates: s.updates + 1 }];
    },
  };
}

/**
 * Either variant from its configuration.
 * @example
 * const w = gradNormWeighting({ kind: "gradnorm", variant: "lra", alpha: 0.9 });
 */
export function gradNormWeighting(c: LraWeightingConfig): Weighting<LraState>;
export function gradNormWeighting(c: NormWeightingConfig): Weighting<NormState>;
export function gradNormWeighting(
  c: GradNormWeightingConfig,
): Weighting<LraState> | Weighting<NormState> {
  return c.variant === "lra" ? lraWeighting(c) : normWeighting(c);
}
