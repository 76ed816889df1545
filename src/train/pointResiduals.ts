/**
 * Per-point squared residuals r_j^2 of every term at the current parameters: what self-adaptive
 * weighting (McClenny & Braga-Neto 2023) ascends its per-point weights on. One jitted jax-js
 * function, so it works whichever backend trains (it reads the backend's parameters).
 */
import { jit, np, tree } from "../engine/index.js";
import type { NetParams, Network } from "../nets/network.js";
import type { Problem } from "../problem/problem.js";
import { type PointsByTerm, type TargetsByTerm, termResiduals } from "../loss/loss.js";

/**
 * (params, X, T) -> r^2 [M_i] per term name; consumes its arguments.
 * @example
 * const f = makePointResiduals2(problem, net);
 * const r2 = await readPointResiduals2(problem, f(params, X, T)); // { res: Float64Array [M] }
 */
export function makePointResiduals2(problem: Problem, net: Network) {
  return jit((p: NetParams, X: PointsByTerm, T: TargetsByTerm) => {
    const r = termResiduals(problem, net, p, X, T);
    tree.dispose(p);
    const out: Record<string, np.Array> = {};
    for (const name of problem.termNames) out[name] = np.square(r[name]);
    return out;
  });
}

/** Read the arrays of `makePointResiduals2` to the host as float64 (consumes them). */
export async function readPointResiduals2(
  problem: Problem,
  r2: Record<string, np.Array>,
): Promise<Record<string, Float64Array>> {
  const out: Record<string, Float64Array> = {};
  for (const name of problem.termNames) out[name] = Float64Array.from(await r2[name].data());
  return out;
}
