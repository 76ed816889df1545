/**
 * The loss as a function of the network's *output jets* rather than its parameters: what a
 * backend that runs the network outside jax-js (the fused wasm kernels) needs. jax-js still does
 * the residual algebra of every term; the backend chains dL/d(output jets) through the network.
 * Trainable PDE coefficients (inverse problems) enter here as their raw scalars: jax-js maps them
 * to values exactly as the jax-js backend's network does (src/nets/coefficients.ts) and returns
 * their gradient after the output jets'.
 */
import { jit, lax, np, valueAndGrad } from "../engine/index.js";
import { type Jet, inputJet } from "../jet/jet.js";
import { coefficientValues } from "../nets/coefficients.js";
import type { OutputTransform } from "../nets/constraints.js";
import type { Problem } from "../problem/problem.js";
import {
  type PointsByTerm,
  type TargetsByTerm,
  type WeightsByTerm,
  coefKey,
  reduceTerms,
  statsVector,
} from "../loss/loss.js";

/** Output jet channels per term: channels[k] is [rows, fields] for channel k of the term's layout. */
export type OutputJets = Record<string, np.Array[]>;

/** Raw scalar leaf per trainable coefficient name (`params.coef`; empty without coefficients). */
export type RawCoefficients = Record<string, np.Array>;

/** What the loss is differentiated with respect to. */
interface Differentiable {
  outs: OutputJets;
  coef: RawCoefficients;
}

/**
 * A jitted (outputs, X, T, W, raw coefficients) -> [stats, dL/d(outputs, raw coefficients)];
 * stats = [total, loss per term in problem.termNames order, ..., coefficient values last] (see
 * `statsVector`); the gradients come back as one flat array (terms in problem.terms order,
 * channels in layout order, each [rows * fields], then one entry per coefficient in
 * problem.coefficients order) so the host reads them with one sync. Consumes its arguments.
 * @param coefScale s = coefLr / lr, the raw coefficients' scale (src/nets/coefficients.ts)
 * @example
 * const lg = makeOutputGrad(problem, net.transform, c.coefLr / c.lr);
 * const [stats, g] = lg(outs, X, T, W, { nu: fromData([raw], [], precision) });
 */
export function makeOutputGrad(problem: Problem, transform?: OutputTransform, coefScale = 1) {
  const coefs = problem.coefficients ?? [];
  const loss = (v: Differentiable, X: PointsByTerm, T: TargetsByTerm, W: WeightsByTerm) => {
    // the coefficients' values, shared by every term (as `termResiduals` shares them)
    const cv = coefs.length ? coefficientValues(coefs, v.coef, coefScale) : undefined;
    for (const r of Object.values(v.coef)) r.dispose();
    const r: Record<string, np.Array> = {};
    for (const term of problem.terms) {
      let jet: Jet = { layout: term.layout, ch: v.outs[term.name] };
      // hard constraints: the kernels computed the raw network, the transform runs here
      if (transform) jet = transform.apply(inputJet(term.layout, X[term.name].ref), jet);
      r[term.name] = term.residual(jet, X[term.name], T[term.name] ?? null, cv);
    }
    const [total, parts] = reduceTerms(problem, r, W);
    // the values ride along in the parts (logged, not part of the total), as `weightedLoss` does
    if (cv) for (const [n, a] of Object.entries(cv)) parts[coefKey(n)] = lax.stopGradient(a);
    return [total, parts] as [np.Array, Record<string, np.Array>];
  };
  return jit(
    (
      outs: OutputJets,
      X: PointsByTerm,
      T: TargetsByTerm,
      W: WeightsByTerm,
      coef: RawCoefficients,
    ) => {
      const [[total, parts], g] = valueAndGrad(loss, { hasAux: true })({ outs, coef }, X, T, W);
      const flat = problem.terms.flatMap((t) => g.outs[t.name].map((a) => a.reshape([-1])));
      for (const c of coefs) flat.push(g.coef[c.name].reshape([1]));
      return [statsVector(problem, total, parts), np.concatenate(flat, 0)] as [np.Array, np.Array];
    },
  );
}
