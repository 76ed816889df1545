/**
 * Per-term gradient statistics: the gradient of each named term's mean-square loss with respect to
 * the network parameters, summarised per layer (L2 norm, max |g|, mean |g|, a histogram of |g|)
 * and overall, plus the imbalance ratio that learning-rate annealing uses.
 *
 * Reference: S. Wang, Y. Teng, P. Perdikaris, "Understanding and mitigating gradient flow
 * pathologies in physics-informed neural networks", SIAM J. Sci. Comput. 43(5), 2021
 * (arXiv:2001.04536): the per-layer histograms of grad L_r and grad L_i (their figure 2) and
 * lambda_hat_i = max |grad L_r| / mean |grad L_i| (their equation 40).
 */
import { type JArray, jit, np, tree, valueAndGrad } from "../engine/index.js";
import { inputJet } from "../jet/jet.js";
import type { NetParams, Network } from "../nets/network.js";
import type { Problem, TermKind } from "../problem/problem.js";
import type { PointsByTerm, TargetsByTerm } from "./loss.js";
import { type ParamSegment, layerNames, orderedLeaves } from "./layout.js";

/** A term's name and kind: `problem.terms` fits. */
export interface TermInfo {
  readonly name: string;
  readonly kind: TermKind;
}

/**
 * The jitted per-term gradient function made by `makeTermGradients`.
 * (params, X, T) -> [G, losses]: G [terms, P] holds row i = grad of term i's mean-square loss,
 * flattened in `paramLayout` order; losses [terms] the unweighted mean-square losses; terms in
 * `problem.termNames` order. Consumes every argument. `.dispose()` it when done.
 */
export type TermGradientFn = ReturnType<typeof makeTermGradients>;

/**
 * Build the jitted function giving each term's loss gradient separately (one reverse pass per
 * term), for statistics every K steps; the training step itself keeps using the weighted total.
 * @example
 * const fn = makeTermGradients(problem, net);
 * const [G, losses] = fn(tree.ref(params), tree.ref(X), tree.ref(T));
 * const g = await readTermGradients(problem.termNames, G, losses);
 * const stats = gradientStats(g.grads, paramLayout(params), problem.terms);
 */
export function makeTermGradients(problem: Problem, net: Network) {
  const termLoss =
    (name: string) =>
    (p: NetParams, x: np.Array, t: np.Array | null): np.Array => {
      const term = problem.terms.find((tm) => tm.name === name);
      if (!term) throw new Error(`makeTermGradients: no term named "${name}"`);
      const jet = net.applyJet(p, inputJet(term.layout, x.ref));
      const coefs = net.coefficients?.(p);
      const r = term.residual(jet, x, t, coefs);
      if (coefs) for (const v of Object.values(coefs)) v.dispose();
      tree.dispose(p);
      return np.square(r).mean();
    };
  return jit((p: NetParams, X: PointsByTerm, T: TargetsByTerm): [np.Array, np.Array] => {
    const rows: np.Array[] = [];
    const losses: np.Array[] = [];
    for (const name of problem.termNames) {
      const f = termLoss(name);
      const t = T[name] ?? null;
      // grad takes arrays only: a term without targets closes over null instead
      const [loss, g] = t
        ? valueAndGrad((pp: NetParams, x: np.Array, tt: np.Array) => f(pp, x, tt))(
            tree.ref(p),
            X[name].ref,
            t.ref,
          )
        : valueAndGrad((pp: NetParams, x: np.Array) => f(pp, x, null))(tree.ref(p), X[name].ref);
      losses.push(loss);
      rows.push(
        np.concatenate(
          orderedLeaves(g as NetParams).map((a) => a.reshape([-1])),
          0,
        ),
      );
    }
    tree.dispose(p);
    tree.dispose(X);
    tree.dispose(T);
    return [np.stack(rows), np.stack(losses)];
  });
}

/** Per-term gradients and losses read back to JS. */
export interface TermGradients {
  /** Flattened gradient [P] per term name, in `paramLayout` order. */
  readonly grads: Record<string, Float64Array>;
  /** Unweighted mean-square loss per term name. */
  readonly losses: Record<string, number>;
}

/**
 * Read the output of a `TermGradientFn` into float64 JS arrays (consumes G and losses).
 * @param names problem.termNames (the row order of G)
 */
export async function readTermGradients(
  names: readonly string[],
  G: JArray,
  losses: JArray,
): Promise<TermGradients> {
  const [rows, P] = G.shape;
  if (rows !== names.length)
    throw new Error(`readTermGradients: ${rows} rows, ${names.length} names`);
  const g = Float64Array.from(await G.data());
  const l = await losses.data();
  const grads: Record<string, Float64Array> = {};
  const out: Record<string, number> = {};
  names.forEach((n, i) => {
    grads[n] = g.slice(i * P, (i + 1) * P);
    out[n] = l[i];
  });
  return { grads, losses: out };
}

/**
 * Histogram bin edges of |g|: 10^-12, 10^-11.5, ..., 10^2 (29 edges, half a decade apart).
 * Bin 0 counts |g| < 1e-12 (exact zeros included), bin k (1..28) counts
 * EDGES[k-1] <= |g| < EDGES[k], bin 29 counts |g| >= 1e2: 30 bins in all. Fixed edges make
 * histograms comparable across terms, layers and steps (Wang, Teng & Perdikaris plot log|g|).
 */
export const GRAD_HIST_EDGES: readonly number[] = Array.from(
  { length: 29 },
  (_, k) => 10 ** (-12 + 0.5 * k),
);

/** Bin of |g| in the `GRAD_HIST_EDGES` histogram (0..29). */
export function histBin(absG: number): number {
  if (!(absG >= GRAD_HIST_EDGES[0])) return 0; // also NaN -> 0
  const e = GRAD_HIST_EDGES;
  if (absG >= e[e.length - 1]) return e.length;
  // log-spaced: locate by log10, then fix rounding at the edges
  let k = Math.floor((Math.log10(absG) + 12) * 2) + 1;
  k = Math.min(Math.max(k, 1), e.length - 1);
  while (k > 1 && absG < e[k - 1]) k--;
  while (k < e.length - 1 && absG >= e[k]) k++;
  return k;
}

/** Norm, max |g| and mean |g| of a gradient (or of a part of it). */
export interface GradSummary {
  /** L2 norm. */
  readonly norm: number;
  readonly maxAbs: number;
  readonly meanAbs: number;
}

/** One flat record: a term's gradient over one layer (or over all parameters: layer "all"). */
export interface GradLayerRecord extends GradSummary {
  readonly term: string;
  /** "hidden[0]", ..., "out", "encU", "encV", or "all". */
  readonly layer: string;
  /** Number of parameters in the layer. */
  readonly size: number;
  /** Counts per `GRAD_HIST_EDGES` bin (30 numbers). */
  readonly hist: number[];
}

/** One flat record of the learning-rate-annealing imbalance of a non-residual term. */
export interface ImbalanceRecord {
  readonly term: string;
  /** lambda_hat = max |grad L_res| / mean |grad L_term|. */
  readonly ratio: number;
  readonly residualMaxAbs: number;
  readonly meanAbs: number;
}

/** What `gradientStats` returns: every part is JSON-ready. */
export interface GradientStats {
  /** One record per (term, layer), plus (term, "all"), terms in the given order. */
  readonly layers: GradLayerRecord[];
  /** Overall summary per term (the "all" records without histograms), for weighting inputs. */
  readonly terms: Record<string, GradSummary>;
  /** One record per non-residual term. */
  readonly imbalance: ImbalanceRecord[];
  /** max |grad L_res| over the residual terms (NaN when there is none). */
  readonly residualMaxAbs: number;
}

function summarise(g: Float64Array, ranges: readonly [number, number][]) {
  let ss = 0;
  let max = 0;
  let sum = 0;
  let size = 0;
  const hist = new Array<number>(GRAD_HIST_EDGES.length + 1).fill(0);
  for (const [a, b] of ranges) {
    for (let i = a; i < b; i++) {
      const v = Math.abs(g[i]);
      ss += v * v;
      if (v > max) max = v;
      sum += v;
      hist[histBin(v)]++;
    }
    size += b - a;
  }
  return { norm: Math.sqrt(ss), maxAbs: max, meanAbs: size > 0 ? sum / size : 0, size, hist };
}

/**
 * Gradient statistics per term and per layer, and the imbalance ratios of learning-rate
 * annealing (Wang, Teng & Perdikaris 2021, eq. 40):
 * lambda_hat_i = max |grad L_res| / mean |grad L_i| for every term i whose kind is not
 * "residual". "Residual" means the terms of kind "residual" (the PDE residuals; `defineProblem`
 * gives every residual that kind); with several residual terms, max |grad L_res| is the largest
 * max |g| over them. Unlike the authors' code (weight matrices only, mean of per-layer means),
 * max and mean run over all parameters: weights, biases and factorisation scales alike.
 * @param perTermGrads flattened gradient [P] per term name (`readTermGradients`)
 * @param layout where each parameter array sits (`paramLayout(params)`); its layer names
 *   ("hidden[i]", "out", "encU", "encV") name the per-layer records
 * @param terms names and kinds, in the order records are wanted (`problem.terms`)
 * @example
 * const s = gradientStats(g.grads, paramLayout(params), problem.terms);
 * s.imbalance; // [{ term: "bc", ratio: 312.5, residualMaxAbs: ..., meanAbs: ... }]
 */
export function gradientStats(
  perTermGrads: Readonly<Record<string, Float64Array>>,
  layout: readonly ParamSegment[],
  terms: readonly TermInfo[],
): GradientStats {
  const P = layout.reduce((n, s) => n + s.size, 0);
  const layers = layerNames(layout).map(
    (name) =>
      [name, layout.filter((s) => s.layer === name).map((s) => [s.offset, s.offset + s.size])] as [
        string,
        [number, number][],
      ],
  );
  const records: GradLayerRecord[] = [];
  const summary: Record<string, GradSummary> = {};
  for (const t of terms) {
    const g = perTermGrads[t.name];
    if (!g) throw new Error(`gradientStats: no gradient for term "${t.name}"`);
    if (g.length !== P) {
      throw new Error(
        `gradientStats: gradient of "${t.name}" has ${g.length} entries, layout ${P}`,
      );
    }
    for (const [layer, ranges] of layers)
      records.push({ term: t.name, layer, ...summarise(g, ranges) });
    const all = summarise(g, [[0, P]]);
    records.push({ term: t.name, layer: "all", ...all });
    summary[t.name] = { norm: all.norm, maxAbs: all.maxAbs, meanAbs: all.meanAbs };
  }
  const residualMaxAbs = residualMax(summary, terms);
  const imbalance = terms
    .filter((t) => t.kind !== "residual")
    .map((t) => ({
      term: t.name,
      ratio: residualMaxAbs / summary[t.name].meanAbs,
      residualMaxAbs,
      meanAbs: summary[t.name].meanAbs,
    }));
  return { layers: records, terms: summary, imbalance, residualMaxAbs };
}

/** max |grad L_res|: the largest maxAbs over the terms of kind "residual" (NaN if none). */
export function residualMax(
  summary: Readonly<Record<string, GradSummary>>,
  terms: readonly TermInfo[],
): number {
  const res = terms.filter((t) => t.kind === "residual");
  if (res.length === 0) return NaN;
  return Math.max(...res.map((t) => summary[t.name].maxAbs));
}
