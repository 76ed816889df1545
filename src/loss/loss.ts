/**
 * The weighted PINN loss over named terms: L = sum_i w_i * mean(r_i^2) (with per-point weights
 * under self-adaptive weighting), where r_i are term i's
 * per-point residuals computed from one jet forward pass at its points. Term names key the
 * batches, the weights and the returned per-term losses alike.
 */
import { lax, np, tree } from "../engine/index.js";
import { inputJet } from "../jet/jet.js";
import type { NetParams, Network } from "../nets/network.js";
import type { Problem } from "../problem/problem.js";
import { causalKey, causalLoss, chunksKey } from "./causal.js";

/** Points per term, [rows, dims]. */
export type PointsByTerm = Record<string, np.Array>;
/** Targets per term that has them, [rows]. */
export type TargetsByTerm = Record<string, np.Array>;
/**
 * A scalar weight per term name; a term with per-point weights also has an [M] array under
 * {@link pointWeightKey}(name).
 */
export type WeightsByTerm = Record<string, np.Array>;

/** The key of a term's per-point loss weights [M] in {@link WeightsByTerm}. */
export function pointWeightKey(term: string): string {
  return `${term}@points`;
}

/**
 * Per-point residuals of every term (consumes X and T; params are not consumed).
 * @returns residuals [M_i] per term name
 */
export function termResiduals(
  problem: Problem,
  net: Network,
  params: NetParams,
  X: PointsByTerm,
  T: TargetsByTerm,
): Record<string, np.Array> {
  const out: Record<string, np.Array> = {};
  // trainable coefficients' values, shared by every term (src/nets/coefficients.ts)
  const coefs = net.coefficients?.(params);
  for (const term of problem.terms) {
    const x = X[term.name];
    const jet = net.applyJet(params, inputJet(term.layout, x.ref));
    out[term.name] = term.residual(jet, x, T[term.name] ?? null, coefs);
  }
  if (coefs) for (const v of Object.values(coefs)) v.dispose();
  return out;
}

/** The key a coefficient's value travels under in a step's parts (see {@link statsVector}). */
export function coefKey(name: string): string {
  return `${name}@coef`;
}

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
  const r = termResiduals(problem, net, params, X, T);
  const out: Record<string, np.Array> = {};
  for (const name of problem.termNames) out[name] = np.square(r[name]).mean();
  return out;
}

/**
 * Reduce per-point residuals to the weighted total sum_i w_i mean(p_i * r_i^2), where p_i are the
 * term's per-point weights when W has them (self-adaptive weighting, McClenny & Braga-Neto 2023)
 * and 1 otherwise; except that a residual term whose causal tolerance is present in W (under
 * `causalKey(term)`, broadcast to [M]) contributes the causal loss (1/M) sum_j w_j L_j of
 * src/loss/causal.ts (Wang, Sankaran & Perdikaris 2022) over its (point-weighted) squares.
 * parts[term] is always the plain mean(r_i^2) (what is logged and what the weighting schemes
 * see); parts[chunksKey(term)] holds the chunk losses [M] of a causal term.
 * Consumes residuals and W.
 * @returns [total, parts]
 */
export function reduceTerms(
  problem: Problem,
  residuals: Record<string, np.Array>,
  W: WeightsByTerm,
): [np.Array, Record<string, np.Array>] {
  const parts: Record<string, np.Array> = {};
  let total: np.Array | null = null;
  for (const name of problem.termNames) {
    const r2 = np.square(residuals[name]);
    const pw = W[pointWeightKey(name)] as np.Array | undefined;
    const epsM = W[causalKey(name)] as np.Array | undefined;
    parts[name] = r2.ref.mean();
    const weighted = pw ? r2.mul(pw) : r2;
    let contrib: np.Array;
    if (epsM) {
      const { loss, chunks } = causalLoss(weighted, epsM);
      parts[chunksKey(name)] = chunks;
      contrib = loss;
    } else contrib = weighted.mean();
    const wl = contrib.mul(W[name]);
    total = total ? total.add(wl) : wl;
  }
  return [total as np.Array, parts];
}

/**
 * The stats vector a step returns: [total, loss of each term in problem.termNames order, then the
 * chunk losses of each causal term in that order, then the value of each trainable coefficient in
 * problem.coefficients order]. Consumes total and parts.
 */
export function statsVector(
  problem: Problem,
  total: np.Array,
  parts: Record<string, np.Array>,
): np.Array {
  const head = np.stack([total, ...problem.termNames.map((n) => parts[n])]);
  const chunks = problem.termNames.flatMap((n) => {
    const c = parts[chunksKey(n)];
    return c ? [c] : [];
  });
  // trainable coefficients last, in problem.coefficients order
  const coefs = (problem.coefficients ?? []).flatMap((c) => {
    const v = parts[coefKey(c.name)];
    return v ? [v.reshape([1])] : [];
  });
  const tail = [...chunks, ...coefs];
  return tail.length ? np.concatenate([head, ...tail], 0) : head;
}

/**
 * Weighted total and per-term losses; consumes every argument (the shape valueAndGrad wants).
 * @returns [total, per-term losses (and causal chunk losses, see {@link reduceTerms})]
 */
export function weightedLoss(
  problem: Problem,
  net: Network,
  params: NetParams,
  X: PointsByTerm,
  T: TargetsByTerm,
  W: WeightsByTerm,
): [np.Array, Record<string, np.Array>] {
  const r = termResiduals(problem, net, params, X, T);
  // the coefficients' values ride along in the parts (logged, not part of the total)
  const coefs = net.coefficients?.(params);
  tree.dispose(params);
  const [total, parts] = reduceTerms(problem, r, W);
  if (coefs) for (const [n, v] of Object.entries(coefs)) parts[coefKey(n)] = lax.stopGradient(v);
  return [total, parts];
}
