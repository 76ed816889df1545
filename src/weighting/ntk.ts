/**
 * NTK weighting of S. Wang, X. Yu, P. Perdikaris, "When and why PINNs fail to train: a neural
 * tangent kernel perspective", J. Comput. Phys. 449 (2022) 110768 (arXiv:2007.14527), eq. 6.5:
 * lambda_i = Tr(K) / Tr(K_ii) with Tr(K) = sum_j Tr(K_jj), so that every term's block has the
 * same effective trace lambda_i Tr(K_ii) = Tr(K) and no term's error is learned much more slowly.
 * The paper sets the weights directly (momentum 0); jaxpi smooths them like its grad-norm weights
 * (lambda <- 0.9 lambda + 0.1 lambda_hat, `momentum: 0.9`) and uses per-point mean diagonals.
 */
import {
  type StateBase,
  type TermWeights,
  type Weighting,
  checkRange,
  initialWeightsFor,
  requireInput,
} from "./types.js";

/** NTK trace weighting. */
export interface NtkWeightingConfig {
  readonly kind: "ntk";
  /** Weight of the OLD value in lambda <- m lambda + (1 - m) lambda_hat. Default 0 (the paper). */
  readonly momentum?: number;
}

/** State of NTK weighting. */
export interface NtkState extends StateBase {
  readonly kind: "ntk";
}

/** Check an NTK weighting configuration; errors name the field. */
export function validateNtkConfig(c: NtkWeightingConfig): void {
  if (c.momentum !== undefined) checkRange("momentum", c.momentum, 0, 1);
}

/**
 * NTK weighting. Needs `inputs.ntkTraces` (Tr(K_ii) of every term, e.g. from `makeNtkTraces`,
 * on equally sized point sets or divided by their sizes). A term with trace 0 keeps its weight.
 * @example
 * const w = ntkWeighting({ kind: "ntk" });
 * let s = w.init(problem.terms);
 * [weights, s] = w.update({ step, losses, ntkTraces: { res: 900, bc: 100 } }, s); // res 1.11, bc 10
 */
export function ntkWeighting(c: NtkWeightingConfig = { kind: "ntk" }): Weighting<NtkState> {
  validateNtkConfig(c);
  const m = c.momentum ?? 0;
  return {
    init: (terms, initialWeights) => ({
      kind: "ntk",
      terms,
      weights: initialWeightsFor("ntk", terms, initialWeights),
      updates: 0,
    }),
    update(inputs, s) {
      const names = s.terms.map((t) => t.name);
      const tr = requireInput("ntk", inputs, "ntkTraces", names);
      const total = names.reduce((a, n) => a + tr[n], 0);
      const w: TermWeights = { ...s.weights };
      for (const n of names) {
        if (!(tr[n] > 0)) continue;
        w[n] = m * s.weights[n] + (1 - m) * (total / tr[n]);
      }
      return [{ ...w }, { ...s, weights: w, updates: s.updates + 1 }];
    },
  };
}
