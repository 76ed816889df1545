/**
 * The loss as a function of the network's *output jets* rather than its parameters: what a
 * backend that runs the network outside jax-js (the fused wasm kernels) needs. jax-js still does
 * the residual algebra of every term; the backend chains dL/d(output jets) through the network.
 */
import { jit, np, valueAndGrad } from "../engine/index.js";
import { type Jet, inputJet } from "../jet/jet.js";
import type { OutputTransform } from "../nets/constraints.js";
import type { Problem } from "../problem/problem.js";
import {
  type PointsByTerm,
  type TargetsByTerm,
  type WeightsByTerm,
  reduceTerms,
  statsVector,
} from "../loss/loss.js";

/** Output jet channels per term: channels[k] is [rows, fields] for channel k of the term's layout. */
export type OutputJets = Record<string, np.Array[]>;

/**
 * A jitted (outputs, X, T, W) -> [stats, dL/d outputs]; stats = [total, loss per term in
 * problem.termNames order]; the gradients come back as one flat array (terms in problem.terms
 * order, channels in layout order, each [rows * fields]) so the host reads them with one sync.
 * Consumes its arguments.
 */
export function makeOutputGrad(problem: Problem, transform?: OutputTransform) {
  const loss = (outs: OutputJets, X: PointsByTerm, T: TargetsByTerm, W: WeightsByTerm) => {
    const r: Record<string, np.Array> = {};
    for (const term of problem.terms) {
      let jet: Jet = { layout: term.layout, ch: outs[term.name] };
      // hard constraints: the kernels computed the raw network, the transform runs here
      if (transform) jet = transform.apply(inputJet(term.layout, X[term.name].ref), jet);
      r[term.name] = term.residual(jet, X[term.name], T[term.name] ?? null);
    }
    return reduceTerms(problem, r, W);
  };
  return jit((outs: OutputJets, X: PointsByTerm, T: TargetsByTerm, W: WeightsByTerm) => {
    const [[total, parts], g] = valueAndGrad(loss, { hasAux: true })(outs, X, T, W);
    const flat = problem.terms.flatMap((t) => g[t.name].map((a) => a.reshape([-1])));
    return [statsVector(problem, total, parts), np.concatenate(flat, 0)] as [np.Array, np.Array];
  });
}
