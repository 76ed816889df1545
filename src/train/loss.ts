/**
 * The weighted PINN loss over named terms: L = sum_i w_i * mean(r_i^2), where r_i are term i's
 * per-point residuals computed from one jet forward pass at its points. Term names key the
 * batches, the weights and the returned per-term losses alike.
 */
import { np, tree } from "../engine/index.js";
import { inputJet } from "../jet/jet.js";
import type { NetParams, Network } from "../nets/network.js";
import type { Problem } from "../problem/problem.js";

/** Points per term, [rows, dims]. */
export type PointsByTerm = Record<string, np.Array>;
/** Targets per term that has them, [rows]. */
export type TargetsByTerm = Record<string, np.Array>;
/** A scalar weight per term. */
export type WeightsByTerm = Record<string, np.Array>;

/**
 * Per-term mean-square losses (consumes X and T; params are not consumed).
 * @returns scalar loss per term name
 */
export function termLosses(
  problem: Problem,
  net: Network,
  params: NetParams,
  X: PointsByTerm,
  T: TargetsByTerm,
): Record<string, np.Array> {
  const out: Record<string, np.Array> = {};
  for (const term of problem.terms) {
    const x = X[term.name];
    const jet = net.applyJet(params, inputJet(term.layout, x.ref));
    const r = term.residual(jet, x, T[term.name] ?? null);
    out[term.name] = np.square(r).mean();
  }
  return out;
}

/**
 * Weighted total and per-term losses; consumes every argument (the shape valueAndGrad wants).
 * @returns [total, per-term losses]
 */
export function weightedLoss(
  problem: Problem,
  net: Network,
  params: NetParams,
  X: PointsByTerm,
  T: TargetsByTerm,
  W: WeightsByTerm,
): [np.Array, Record<string, np.Array>] {
  const parts = termLosses(problem, net, params, X, T);
  tree.dispose(params);
  let total: np.Array | null = null;
  for (const name of problem.termNames) {
    const wl = parts[name].ref.mul(W[name]);
    total = total ? total.add(wl) : wl;
  }
  return [total as np.Array, parts];
}
