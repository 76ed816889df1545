/**
 * Per-term empirical neural tangent kernels. For a term i with per-point residuals r_i [n_i], let
 * J_i [n_i, P] be their gradients with respect to the P network parameters (one row per point).
 * The diagonal NTK block is K_ii = J_i J_i^T [n_i, n_i]; under gradient flow on
 * L = sum_i lambda_i mean(r_i^2) the residuals evolve as dr_i/dt = -sum_j K_ij (2 lambda_j / n_j) r_j,
 * so the eigenvalues of K_ii / n_i set how fast each term's error is learned.
 *
 * This module builds J_i and K_ii in one jitted call (vmap of grad over points), the cheap
 * diagonal estimate Tr(K_ii) = sum_j |grad r_j|^2 (no n x n matrix), the spectrum in float64 JS
 * (all eigenvalues by Jacobi up to n = 256, the top k by Lanczos beyond), and trace ratios.
 *
 * Reference: S. Wang, X. Yu, P. Perdikaris, "When and why PINNs fail to train: a neural tangent
 * kernel perspective", J. Comput. Phys. 449 (2022) 110768 (arXiv:2007.14527): K_uu, K_rr, their
 * spectra (figures 2-4) and the weights lambda_i = Tr(K) / Tr(K_ii) (their equation 6.5).
 */
import { type JArray, type JsTree, grad, jit, np, tree, vmap } from "../engine/index.js";
import { inputJet } from "../jet/jet.js";
import type { NetParams, Network } from "../nets/network.js";
import type { Problem, Term, TermBatch } from "../problem/problem.js";
import type { PointsByTerm, TargetsByTerm } from "./loss.js";
import { denseMatVec, lanczosTopK, symmetricEigen } from "../util/eigen.js";
import type { TermInfo } from "./gradients.js";
import { orderedLeaves } from "./layout.js";

/** Default cap on a kernel block's order n_i (points, or residual rows of periodic pairs). */
export const NTK_MAX_POINTS = 256;

/**
 * How a term's batch rows map to per-point residuals. Most terms: one row, one residual.
 * Periodic terms: a pair of rows (the same point at both ends, rows r and n + r of the batch)
 * gives `outputs` = derivatives + 1 residuals (value difference, slope difference, ...), and the
 * term's residual vector is ordered derivative-major: [value diffs (n), slope diffs (n), ...].
 */
export interface ResidualGroup {
  /** Batch rows per example: 1, or 2 for periodic pairs. */
  readonly rows: number;
  /** Residuals per example. */
  readonly outputs: number;
}

/** The `ResidualGroup` of a term of a problem. */
export function residualGroup(problem: Problem, term: TermInfo): ResidualGroup {
  if (term.kind !== "periodic") return { rows: 1, outputs: 1 };
  const c = problem.conditions[term.name];
  if (!c || c.kind !== "periodic") {
    throw new Error(`residualGroup: term "${term.name}" is periodic but has no periodic condition`);
  }
  return { rows: 2, outputs: c.derivatives + 1 };
}

/**
 * The first `keep` rows of each block of a flat target [blocks * rows] (a Neumann or Robin term's
 * target holds its values, then one block per normal component: src/problem/problem.ts).
 */
function keepTarget(batch: TermBatch, keep: number): Float64Array | null {
  const t = batch.target;
  if (!t) return null;
  const blocks = t.length / batch.rows;
  if (!Number.isInteger(blocks)) {
    throw new Error(`subsampleBatch: a target of ${t.length} for ${batch.rows} rows`);
  }
  const out = new Float64Array(blocks * keep);
  for (let b = 0; b < blocks; b++)
    out.set(t.subarray(b * batch.rows, b * batch.rows + keep), b * keep);
  return out;
}

/**
 * The first examples of a term's batch, so that its kernel order (residual rows) is at most
 * `maxPoints`; periodic pairs stay together (rows r and n + r). Batches are already random, so
 * taking the first examples is an unbiased subsample.
 * @param batch a batch from `term.sample` (not modified)
 * @returns a batch with floor(maxPoints / outputs) examples at most
 */
export function subsampleBatch(
  problem: Problem,
  term: Term,
  batch: TermBatch,
  maxPoints: number = NTK_MAX_POINTS,
): TermBatch {
  const dims = problem.domain.inputs.length;
  const g = residualGroup(problem, term);
  const examples = batch.rows / g.rows;
  const keep = Math.min(examples, Math.floor(maxPoints / g.outputs));
  if (keep < 1) throw new Error(`subsampleBatch: maxPoints ${maxPoints} keeps no example`);
  if (keep === examples) return batch;
  if (g.rows === 1) {
    return { X: batch.X.slice(0, keep * dims), rows: keep, target: keepTarget(batch, keep) };
  }
  const X = new Float64Array(2 * keep * dims);
  X.set(batch.X.subarray(0, keep * dims), 0);
  X.set(batch.X.subarray(examples * dims, (examples + keep) * dims), keep * dims);
  return { X, rows: 2 * keep, target: null };
}

/**
 * A per-term function of (params, X, T) made by this module: consumes every argument;
 * `.dispose()` frees its compiled code.
 */
export interface TermNtkFn<R> {
  (p: NetParams, X: PointsByTerm, T: TargetsByTerm): R;
  dispose(): void;
}

/**
 * Per-point residual Jacobian of one term: J [n_res, P] (consumes p, X, t and one).
 *
 * `one` is the scalar 1 passed into the jitted function as an argument. jax-js 0.1.25 miscompiles
 * jit(grad(f)) when f's gradient flows through a slice with a constant cotangent (for instance
 * `jit(grad(w => np.concatenate([w.ref.mul(0.3), w], 0).slice([1, 2]).sum()))` returns w, not 1);
 * multiplying the selected residual by a traced 1 makes the cotangent a traced value, which
 * compiles correctly (checked against hand-derived Jacobians in test/loss/ntk.test.ts).
 */
function termJacobian(
  problem: Problem,
  net: Network,
  term: Term,
  p: NetParams,
  X: np.Array,
  t: np.Array | null,
  one: np.Array,
): np.Array {
  const g = residualGroup(problem, term);
  const [rows, dims] = X.shape;
  const n = rows / g.rows;
  const Xe = g.rows === 1 ? X.reshape([n, 1, dims]) : X.reshape([2, n, dims]).transpose([1, 0, 2]);
  // a target is block-major [blocks * n] (values, then e.g. a Robin term's normals): each point
  // gets its own [blocks] (what the term's residual reads for one row)
  const te = t ? t.reshape([-1, n]).transpose([1, 0]) : null;
  const blocks: np.Array[] = [];
  for (let k = 0; k < g.outputs; k++) {
    const r = (pp: NetParams, x: np.Array, tt: np.Array | null, o: np.Array): np.Array => {
      const jet = net.applyJet(pp, inputJet(term.layout, x.ref));
      const coefs = net.coefficients?.(pp);
      const res = term.residual(jet, x, tt, coefs);
      if (coefs) for (const v of Object.values(coefs)) v.dispose();
      tree.dispose(pp);
      return res.slice(k).mul(o);
    };
    // grad takes arrays only: a term without targets closes over null instead
    const gr = te
      ? vmap(
          grad((pp: NetParams, x: np.Array, tt: np.Array, o: np.Array) => r(pp, x, tt, o)),
          [null, 0, 0, null],
        )(tree.ref(p), Xe.ref, te.ref, one.ref)
      : vmap(
          grad((pp: NetParams, x: np.Array, o: np.Array) => r(pp, x, null, o)),
          [null, 0, null],
        )(tree.ref(p), Xe.ref, one.ref);
    blocks.push(
      np.concatenate(
        orderedLeaves(gr).map((a) => a.reshape([n, -1])),
        1,
      ),
    );
  }
  Xe.dispose();
  te?.dispose();
  one.dispose();
  tree.dispose(p);
  return blocks.length === 1 ? blocks[0] : np.concatenate(blocks, 0);
}

/** Jit `body` per term and pass it the traced 1 that `termJacobian` needs. */
function perTermJit<R extends JsTree<np.Array>>(
  problem: Problem,
  net: Network,
  body: (J: (term: Term) => np.Array) => R,
): TermNtkFn<R> {
  const inner = jit((p: NetParams, X: PointsByTerm, T: TargetsByTerm, one: np.Array): R => {
    const out = body((term) => {
      const t = T[term.name];
      return termJacobian(
        problem,
        net,
        term,
        tree.ref(p),
        X[term.name].ref,
        t ? t.ref : null,
        one.ref,
      );
    });
    tree.dispose([p, X, T, one]);
    return out;
  });
  const fn = (p: NetParams, X: PointsByTerm, T: TargetsByTerm): R => {
    const first = X[problem.termNames[0]];
    if (!first) throw new Error(`no points for term "${problem.termNames[0]}"`);
    return inner(p, X, T, np.ones([], { dtype: first.dtype }));
  };
  return Object.assign(fn, { dispose: () => inner.dispose() });
}

/**
 * The jitted per-term Jacobians: (params, X, T) -> { term: J_i [n_i, P] }, P in `paramLayout`
 * order, rows in the order of the term's residual vector. Consumes every argument.
 * Keep n_i small (`subsampleBatch`): J_i holds n_i * P numbers.
 * @example
 * const jac = makeTermJacobians(problem, net);
 * const J = jac(tree.ref(params), X, T); // J.res.shape = [256, P]
 */
export function makeTermJacobians(
  problem: Problem,
  net: Network,
): TermNtkFn<Record<string, np.Array>> {
  return perTermJit(problem, net, (J) => {
    const out: Record<string, np.Array> = {};
    for (const term of problem.terms) out[term.name] = J(term);
    return out;
  });
}

/**
 * The jitted per-term NTK blocks: (params, X, T) -> { term: K_ii = J_i J_i^T [n_i, n_i] }.
 * Consumes every argument. With n_i <= 256 the blocks are read back and decomposed in JS
 * (`readNtkBlocks`, `ntkReport`).
 * @example
 * const ntk = makeTermNtk(problem, net);
 * const blocks = await readNtkBlocks(ntk(tree.ref(params), X, T));
 * const report = ntkReport(blocks, problem.terms);
 */
export function makeTermNtk(problem: Problem, net: Network): TermNtkFn<Record<string, np.Array>> {
  return perTermJit(problem, net, (J) => {
    const out: Record<string, np.Array> = {};
    for (const term of problem.terms) {
      const j = J(term);
      out[term.name] = np.matmul(j.ref, j.transpose());
    }
    return out;
  });
}

/**
 * The jitted cheap diagonal estimate: (params, X, T) -> traces [terms] with
 * traces[i] = Tr(K_ii) = sum_j |grad_theta r_ij|^2 over term i's points (terms in
 * `problem.termNames` order). No n x n matrix is formed, so it can use a term's whole batch and
 * run at every weight update (its cost is one per-point gradient pass). Divide by the number of
 * residual rows for the mean diagonal. Consumes every argument.
 * @example
 * const traces = makeNtkTraces(problem, net);
 * const tr = await traces(tree.ref(params), tree.ref(X), tree.ref(T)).data();
 */
export function makeNtkTraces(problem: Problem, net: Network): TermNtkFn<np.Array> {
  return perTermJit(problem, net, (J) =>
    np.stack(problem.terms.map((term) => np.square(J(term)).sum())),
  );
}

/** A kernel block read back to JS: K row-major [n, n] in float64. */
export interface NtkBlock {
  readonly n: number;
  readonly K: Float64Array;
}

/** Read the blocks of `makeTermNtk` into float64 JS arrays (consumes them). */
export async function readNtkBlocks(
  blocks: Record<string, JArray>,
): Promise<Record<string, NtkBlock>> {
  const out: Record<string, NtkBlock> = {};
  for (const [name, K] of Object.entries(blocks)) {
    const n = K.shape[0];
    out[name] = { n, K: Float64Array.from(await K.data()) };
  }
  return out;
}

/** Options of `ntkSpectrum` and `ntkReport`. */
export interface NtkSpectrumOptions {
  /** Blocks up to this order get the full spectrum by Jacobi. Default 256. */
  readonly denseMax?: number;
  /** Eigenvalues wanted from Lanczos above `denseMax`. Default 20. */
  readonly topK?: number;
  /** Lanczos steps (default: min(n, max(2 topK + 20, 40))). */
  readonly lanczosIterations?: number;
  /** Seed of Lanczos's start vector. Default 0. */
  readonly seed?: number;
}

/** Spectrum of one block. */
export interface NtkSpectrum {
  readonly n: number;
  /** Tr(K) from the diagonal. */
  readonly trace: number;
  /** Eigenvalues, descending: all n ("jacobi") or the top k ("lanczos"). */
  readonly eigenvalues: Float64Array;
  readonly method: "jacobi" | "lanczos";
}

/** Trace of a row-major [n, n] matrix. */
export function trace(K: ArrayLike<number>, n: number): number {
  let s = 0;
  for (let i = 0; i < n; i++) s += K[i * n + i];
  return s;
}

/**
 * Eigenvalues of one kernel block: all of them by Jacobi when n <= denseMax (their sum equals the
 * trace), else the top k by Lanczos with full reorthogonalisation.
 * @param K row-major [n, n] symmetric
 * @example
 * const s = ntkSpectrum(blocks.res.K, blocks.res.n); // s.eigenvalues[0] = lambda_max
 */
export function ntkSpectrum(
  K: Float64Array,
  n: number,
  opts: NtkSpectrumOptions = {},
): NtkSpectrum {
  const denseMax = opts.denseMax ?? NTK_MAX_POINTS;
  const tr = trace(K, n);
  if (n <= denseMax) {
    return { n, trace: tr, eigenvalues: symmetricEigen(K, n).values, method: "jacobi" };
  }
  const k = Math.min(n, opts.topK ?? 20);
  const { values } = lanczosTopK(denseMatVec(K, n), n, k, {
    iterations: opts.lanczosIterations,
    seed: opts.seed,
  });
  return { n, trace: tr, eigenvalues: values, method: "lanczos" };
}

/** One flat, JSON-ready record per term. */
export interface NtkTermRecord {
  readonly term: string;
  readonly kind: TermInfo["kind"];
  /** Order of the block (residual rows used). */
  readonly n: number;
  /** Tr(K_ii). */
  readonly trace: number;
  /** Tr(K_ii) / n: the mean diagonal, comparable across terms with different n. */
  readonly meanDiag: number;
  readonly lambdaMax: number;
  /** Smallest eigenvalue computed (the true minimum only with method "jacobi"). */
  readonly lambdaMin: number;
  readonly eigenvalues: number[];
  readonly method: "jacobi" | "lanczos";
  /** Tr(K_res) / Tr(K_ii), Tr(K_res) summed over the terms of kind "residual". */
  readonly traceRatio: number;
  /** (Tr(K_res) / n_res) / (Tr(K_ii) / n_i): the same with mean diagonals. */
  readonly meanDiagRatio: number;
}

/** What `ntkReport` returns. */
export interface NtkReport {
  readonly terms: NtkTermRecord[];
  /** max over terms of meanDiag / min over terms of meanDiag (>= 1; large = imbalanced). */
  readonly meanDiagSpread: number;
  /**
   * max over terms of Tr(K_ii) / min over terms of Tr(K_ii) (>= 1): the spread of the NTK weights
   * lambda_i = Tr(K) / Tr(K_ii), i.e. the imbalance NTK weighting corrects.
   */
  readonly traceSpread: number;
  /** The NTK weights lambda_i = Tr(K) / Tr(K_ii) these traces give (`ntkWeightsFromTraces`). */
  readonly weights: Record<string, number>;
}

/**
 * Weights of Wang, Yu & Perdikaris (2022, eq. 6.5): lambda_i = Tr(K) / Tr(K_ii) with
 * Tr(K) = sum_j Tr(K_jj). Invariant to a common factor of all traces, so per-point means
 * Tr(K_ii) / n_i can be passed instead (then it matches jaxpi up to the factor m = #terms).
 * @example
 * ntkWeightsFromTraces({ res: 900, bc: 100 }); // { res: 1.111, bc: 10 }
 */
export function ntkWeightsFromTraces(
  traces: Readonly<Record<string, number>>,
): Record<string, number> {
  const total = Object.values(traces).reduce((a, b) => a + b, 0);
  const out: Record<string, number> = {};
  for (const [k, v] of Object.entries(traces)) out[k] = total / v;
  return out;
}

/**
 * Spectra, traces and trace ratios of every term's block, as flat records.
 * @param blocks from `readNtkBlocks`
 * @param terms names and kinds in record order (`problem.terms`); "residual" terms are the kind
 *   "residual" ones
 */
export function ntkReport(
  blocks: Readonly<Record<string, NtkBlock>>,
  terms: readonly TermInfo[],
  opts: NtkSpectrumOptions = {},
): NtkReport {
  const spectra = terms.map((t) => {
    const b = blocks[t.name];
    if (!b) throw new Error(`ntkReport: no kernel block for term "${t.name}"`);
    return ntkSpectrum(b.K, b.n, opts);
  });
  const residual = terms.flatMap((t, i) => (t.kind === "residual" ? [spectra[i]] : []));
  const resTrace = residual.reduce((a, s) => a + s.trace, 0);
  const resN = residual.reduce((a, s) => a + s.n, 0);
  const records = terms.map((t, i) => {
    const s = spectra[i];
    const meanDiag = s.trace / s.n;
    return {
      term: t.name,
      kind: t.kind,
      n: s.n,
      trace: s.trace,
      meanDiag,
      lambdaMax: s.eigenvalues[0],
      lambdaMin: s.eigenvalues[s.eigenvalues.length - 1],
      eigenvalues: [...s.eigenvalues],
      method: s.method,
      traceRatio: residual.length ? resTrace / s.trace : NaN,
      meanDiagRatio: residual.length ? resTrace / resN / meanDiag : NaN,
    };
  });
  const diags = records.map((r) => r.meanDiag);
  const traces: Record<string, number> = {};
  for (const r of records) traces[r.term] = r.trace;
  return {
    terms: records,
    meanDiagSpread: Math.max(...diags) / Math.min(...diags),
    traceSpread: Math.max(...Object.values(traces)) / Math.min(...Object.values(traces)),
    weights: ntkWeightsFromTraces(traces),
  };
}
