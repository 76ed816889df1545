/**
 * Flat objectives for the second-order phases: the weighted loss and its gradient at a flat
 * float64 parameter vector x [P] (jax-js `tree.leaves` order) on fixed batches, from the fused
 * kernels where the step backend offers them and from one jitted jax-js function otherwise; and,
 * for Levenberg-Marquardt, the weighted per-point residual vector with its Jacobian.
 */
import { jit, np, tree, valueAndGrad } from "../engine/index.js";
import { makeTermJacobians } from "../loss/ntk.js";
import {
  type PointsByTerm,
  type TargetsByTerm,
  type WeightsByTerm,
  statsVector,
  termResiduals,
  weightedLoss,
} from "../loss/loss.js";
import { type FlatLayout, unflattenParams } from "../nets/flat.js";
import type { NetParams } from "../nets/network.js";
import type { Objective, ResidualObjective } from "../optim/types.js";
import { type Batches, type StepBackend, uploadBatches, weightArrays } from "./backend.js";
import type { RunContext } from "./context.js";
import { unpackStats } from "./context.js";

/** An objective over fixed batches, with the per-term losses of its last evaluation. */
export interface FlatObjective {
  readonly fg: Objective;
  /** Unweighted loss per term at the last evaluated x. */
  lastTerms(): Record<string, number>;
  dispose(): void;
}

/**
 * The weighted loss (no causal weights: a stop-gradient weight would make a line search's
 * objective inconsistent) and its gradient on `batches`.
 * @param ctx the problem and network as trained, and the configuration (precision)
 * @param backend a step backend whose `objective` runs the kernels, or null for jax-js
 */
export function flatObjective(
  ctx: Pick<RunContext, "problem" | "net" | "c">,
  backend: StepBackend | null,
  batches: Batches,
  weights: Readonly<Record<string, number>>,
  layout: FlatLayout,
): FlatObjective {
  const { problem, net, c } = ctx;
  let last: Record<string, number> = {};
  const kernel = backend?.objective?.(batches, weights);
  if (kernel) {
    return {
      fg: async (x) => {
        const { stats, g } = await kernel(x);
        last = unpackStats(problem, stats).terms;
        return { f: stats[0], g };
      },
      lastTerms: () => last,
      dispose: () => {},
    };
  }
  const [X, T] = uploadBatches(problem, batches, c);
  const W = weightArrays(problem, weights, c);
  const lossFn = (p: NetParams, Xa: PointsByTerm, Ta: TargetsByTerm, Wa: WeightsByTerm) =>
    weightedLoss(problem, net, p, Xa, Ta, Wa);
  const lg = jit((p: NetParams, Xa: PointsByTerm, Ta: TargetsByTerm, Wa: WeightsByTerm) => {
    const [[total, parts], g] = valueAndGrad(lossFn, { hasAux: true })(p, Xa, Ta, Wa);
    const flat = tree.leaves(g).map((a) => a.reshape([-1]));
    // statsVector keeps the layout unpackStats reads (trainable coefficients last)
    return [statsVector(problem, total, parts), np.concatenate(flat, 0)] as [np.Array, np.Array];
  });
  return {
    fg: async (x) => {
      const p = unflattenParams(x, layout, c.precision);
      const [statsArr, gArr] = lg(p, tree.ref(X), tree.ref(T), tree.ref(W));
      const stats = await statsArr.data();
      const g = Float64Array.from(await gArr.data());
      last = unpackStats(problem, stats).terms;
      return { f: stats[0], g };
    },
    lastTerms: () => last,
    dispose: () => {
      lg.dispose();
      tree.dispose(X);
      tree.dispose(T);
      tree.dispose(W);
    },
  };
}

/** A residual objective with the per-term losses of its last evaluation. */
export interface FlatResiduals {
  readonly resid: ResidualObjective;
  lastTerms(): Record<string, number>;
  dispose(): void;
}

/**
 * Levenberg-Marquardt's view of the loss: r [M] with sum r^2 = the weighted loss, i.e. each
 * term's per-point residuals scaled by sqrt(w_t / n_t), and the Jacobian J [M, P] (row-major, P in
 * `tree.leaves` order) from per-point parameter gradients (jax-js vmap of grad, float64 where the
 * configuration is float64). Terms with several residual rows per point (e.g. periodic pairs)
 * contribute every row.
 */
export function flatResiduals(
  ctx: Pick<RunContext, "problem" | "net" | "c">,
  batches: Batches,
  weights: Readonly<Record<string, number>>,
  layout: FlatLayout,
  leafOrder: readonly number[],
): FlatResiduals {
  const { problem, net, c } = ctx;
  const [X, T] = uploadBatches(problem, batches, c);
  const names = problem.termNames;
  const res = jit((p: NetParams, Xa: PointsByTerm, Ta: TargetsByTerm) => {
    const r = termResiduals(problem, net, p, Xa, Ta);
    return names.map((n) => r[n]);
  });
  const jac = makeTermJacobians(problem, net);
  let last: Record<string, number> = {};
  return {
    resid: async (x) => {
      const p = unflattenParams(x, layout, c.precision);
      const rs = res(tree.ref(p), tree.ref(X), tree.ref(T));
      const Js = jac(p, tree.ref(X), tree.ref(T));
      const rows: Float64Array[] = [];
      const jrows: Float64Array[] = [];
      last = {};
      for (let i = 0; i < names.length; i++) {
        const r = Float64Array.from(await rs[i].data());
        const J = Float64Array.from(await Js[names[i]].data());
        const n = r.length;
        let ss = 0;
        for (const v of r) ss += v * v;
        last[names[i]] = ss / n;
        const s = Math.sqrt((weights[names[i]] ?? 1) / n);
        rows.push(r.map((v) => v * s));
        jrows.push(permuteColumns(J, n, leafOrder, s));
      }
      return { r: concat(rows), J: concat(jrows) };
    },
    lastTerms: () => last,
    dispose: () => {
      res.dispose();
      jac.dispose();
      tree.dispose(X);
      tree.dispose(T);
    },
  };
}

/** Columns of J [n, P] from `paramLayout` order to `tree.leaves` order, scaled by s. */
function permuteColumns(
  J: Float64Array,
  n: number,
  leafOrder: readonly number[],
  s: number,
): Float64Array {
  const P = leafOrder.length;
  const out = new Float64Array(n * P);
  for (let i = 0; i < n; i++) {
    const row = i * P;
    for (let j = 0; j < P; j++) out[row + j] = s * J[row + leafOrder[j]];
  }
  return out;
}

function concat(parts: readonly Float64Array[]): Float64Array {
  const out = new Float64Array(parts.reduce((a, p) => a + p.length, 0));
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}
