/**
 * Fixed weights: the constants given at `init`, never changed (the plain PINN loss of Raissi,
 * Perdikaris & Karniadakis 2019 with hand-chosen weights).
 */
import { type StateBase, type Weighting, initialWeightsFor } from "./types.js";

/** Configuration of fixed weights (the constants come from `init`'s initial weights). */
export interface FixedWeightingConfig {
  readonly kind: "fixed";
}

/** State of fixed weights. */
export interface FixedState extends StateBase {
  readonly kind: "fixed";
}

/**
 * Fixed per-term weights. Needs no inputs beyond `losses`, which it does not read.
 * @example
 * const w = fixedWeighting({ kind: "fixed" });
 * const s = w.init(problem.terms, { ic: 100 }); // s.weights = { res: 1, ic: 100 }
 */
export function fixedWeighting(
  _config: FixedWeightingConfig = { kind: "fixed" },
): Weighting<FixedState> {
  return {
    init: (terms, initialWeights) => ({
      kind: "fixed",
      terms,
      weights: initialWeightsFor("fixed", terms, initialWeights),
      updates: 0,
    }),
    update: (_inputs, s) => [{ ...s.weights }, { ...s, updates: s.updates + 1 }],
  };
}
