/**
 * The loss as a function of the network's *output jets* rather than its parameters: what a
 * backend that runs the network outside jax-js (the fused wasm kernels) needs. jax-js still does
 * the residual algebra of every term; the backend chains dL/d(output jets) through the network.
 */
import { jit, np, valueAndGrad } from "../engine/index.js";
import type { Jet } from "../jet/jet.js";
import type { Problem } from "../problem/problem.js";
import { type PointsByTerm, type TargetsByTerm, type WeightsByTerm, reduceTerms } from "./loss.js";

/** Output jet channels per term: channels[k] is [rows, fields] for channel k of the term's layout. */
export type OutputJets = Record<string, np.Array[]>;

/**
 * A jitted (outputs, X, T, W) -> [stats, dL/d outputs]; stats = [total, loss per term in
 * problem.termNames order]; the gradients come back as one flat array (terms in problem.terms
 * order, channels in layout order, each [rows * fields]) so the host reads them with one sync.
 * Consumes its arguments.
 */
export function makeOutputGrad(problem: Problem) {
  const names = problem.termNames;
  const loss = (outs: OutputJets, X: PointsByTerm, T: TargetsByTerm, W: WeightsByTerm) => {
    const residuals: Record<string, np.Array> = {};
    for (const term of problem.terms) {
      const jet: Jet = { layout: term.layout, ch: outs[term.name] };
      residuals[term.name] = term.residual(jet, X[term.name], T[term.name] ?? null);
    }
    return reduceTerms(problem, residuals, W);
  };
  return jit((outs: OutputJets, X: PointsByTerm, T: TargetsByTerm, W: WeightsByTerm) => {
    const [[total, parts], g] = valueAndGrad(loss, { hasAux: true })(outs, X, T, W);
    const flat = problem.terms.flatMap((t) => g[t.name].map((a) => a.reshape([-1])));
    return [np.stack([total, ...names.map((n) => parts[n])]), np.concatenate(flat, 0)] as [
      np.Array,
      np.Array,
    ];
  });
}
