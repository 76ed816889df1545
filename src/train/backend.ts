/**
 * Step backends: what runs one Adam step of the network. `jax` runs the whole step (jets, loss,
 * gradient, update) as one jitted jax-js function. A backend receives host-side batches and
 * returns the step's stats; it owns the parameters and optimiser state between steps. For an
 * optimiser that runs in JS (SOAP) it also returns the flat gradient of the same loss and takes
 * the parameters back as a flat vector.
 */
import { fromData, jit, np, tree, valueAndGrad } from "../engine/index.js";
import { type FlatLayout, flattenParams, unflattenParams } from "../nets/flat.js";
import type { NetParams, Network } from "../nets/network.js";
import { adamInit, adamUpdate, type AdamState } from "../optim/adam.js";
import { type Problem, type TermBatch, batchArrays } from "../problem/problem.js";
import type { TrainConfig } from "./config.js";
import { causalKey } from "../loss/causal.js";
import {
  type PointsByTerm,
  type TargetsByTerm,
  type WeightsByTerm,
  pointWeightKey,
  statsVector,
  weightedLoss,
} from "../loss/loss.js";
import type { OptimizerSnapshot } from "./state.js";

/** One batch per term name. */
export type Batches = Record<string, TermBatch>;

/** The stats and flat gradient of one evaluation (see `StepBackend.gradient`). */
export interface LossAndGrad {
  /** [total, loss of each term, chunk losses of each causal term] (see `statsVector`). */
  readonly stats: Float64Array;
  /** Gradient of the weighted total [P], jax-js `tree.leaves` order. */
  readonly g: Float64Array;
}

/** Runs Adam steps for one network. */
export interface StepBackend {
  readonly kind: "jax" | "kernels";
  /**
   * One Adam step on the given batches.
   * @param lr learning rate of this step
   * @param causalEps causal tolerance of this step (null: plain residual losses)
   * @returns [total, loss of each term in problem.termNames order, chunk losses of each causal
   *   term] (see `statsVector`)
   */
  step(
    batches: Batches,
    weights: Readonly<Record<string, number>>,
    lr: number,
    causalEps?: number | null,
  ): Promise<Float64Array>;
  /**
   * The loss an Adam step differentiates (same batches, weights, point weights and causal eps) and
   * its gradient at the current parameters, with no update: for first-order optimisers run in JS
   * (SOAP, src/train/firstOrder.ts).
   */
  gradient(
    batches: Batches,
    weights: Readonly<Record<string, number>>,
    causalEps?: number | null,
  ): Promise<LossAndGrad>;
  /** The current parameters as a flat vector [P] (`tree.leaves` order), float64. */
  flatParams(): Promise<Float64Array>;
  /**
   * Replace the parameters with x [P] (`tree.leaves` order); a float32 network rounds them.
   * Adam's state is untouched.
   */
  setParams(x: Float64Array): Promise<void>;
  /** The current parameters as a jax-js tree (a new reference the caller owns). */
  params(): NetParams;
  /**
   * For L-BFGS, where the backend offers it: the weighted loss and its gradient at flat
   * parameters x [P] (jax-js `tree.leaves` order) on fixed batches. Replaces the backend's
   * parameters with x.
   */
  objective?(
    batches: Batches,
    weights: Readonly<Record<string, number>>,
  ): (x: Float64Array) => Promise<{ stats: Float64Array; g: Float64Array }>;
  /** A copy of the parameters and Adam's state (for checkpoints). */
  snapshot(): Promise<OptimizerSnapshot>;
  /** Replace the parameters and Adam's state with a snapshot's (exactly, no rounding). */
  restore(s: OptimizerSnapshot): Promise<void>;
  /** Free everything the backend holds. */
  dispose(): void;
}

/** Upload a batch per term. */
export function uploadBatches(
  problem: Problem,
  batches: Batches,
  c: TrainConfig,
): [PointsByTerm, TargetsByTerm] {
  const X: PointsByTerm = {};
  const T: TargetsByTerm = {};
  const dims = problem.domain.inputs.length;
  for (const term of problem.terms) {
    const b = batchArrays(batches[term.name], dims, c.precision);
    X[term.name] = b.X;
    if (b.target) T[term.name] = b.target;
  }
  return [X, T];
}

/**
 * Weights as scalar arrays, every term present (missing names weigh 1), plus the per-point
 * weights [M] of the batches that carry them (under `pointWeightKey(term)`). With causal training
 * on and a tolerance given, every residual term also gets its eps broadcast to [causalChunks]
 * under `causalKey(term)`, which switches the loss to the causal form (src/loss/causal.ts).
 */
export function weightArrays(
  problem: Problem,
  w: Readonly<Record<string, number>>,
  c: TrainConfig,
  batches?: Batches,
  causalEps: number | null = null,
): WeightsByTerm {
  const out: WeightsByTerm = {};
  for (const n of problem.termNames) {
    out[n] = fromData([w[n] ?? 1], [], c.precision);
    const pw = batches?.[n]?.pointWeights;
    if (pw) out[pointWeightKey(n)] = fromData(pw, [pw.length], c.precision);
  }
  if (c.causal && causalEps !== null) {
    for (const t of problem.terms) {
      if (t.kind !== "residual") continue;
      out[causalKey(t.name)] = fromData(
        new Float64Array(c.causalChunks).fill(causalEps),
        [c.causalChunks],
        c.precision,
      );
    }
  }
  return out;
}

/**
 * The jitted loss and gradient of the same weighted loss as {@link makeAdamStep}, no update:
 * (params, X, T, W) -> [stats, flat gradient [P] in `tree.leaves` order].
 */
export function makeLossAndGrad(problem: Problem, net: Network) {
  const lossFn = (p: NetParams, X: PointsByTerm, T: TargetsByTerm, W: WeightsByTerm) =>
    weightedLoss(problem, net, p, X, T, W);
  return jit((p: NetParams, X: PointsByTerm, T: TargetsByTerm, W: WeightsByTerm) => {
    const [[total, parts], g] = valueAndGrad(lossFn, { hasAux: true })(p, X, T, W);
    const flat = tree.leaves(g).map((a) => a.reshape([-1]));
    return [statsVector(problem, total, parts), np.concatenate(flat, 0)] as [np.Array, np.Array];
  });
}

/** The jitted Adam step: (params, state, X, T, W, lr) -> [params, state, stats [1 + terms]]. */
export type AdamStep = ReturnType<typeof makeAdamStep>;

/**
 * One jitted training step: jets at every term's points, weighted loss, its gradient and the Adam
 * update. stats = [total, loss of each term in problem.termNames order].
 */
export function makeAdamStep(problem: Problem, net: Network) {
  const lossFn = (p: NetParams, X: PointsByTerm, T: TargetsByTerm, W: WeightsByTerm) =>
    weightedLoss(problem, net, p, X, T, W);
  return jit(
    (
      p: NetParams,
      s: AdamState<NetParams>,
      X: PointsByTerm,
      T: TargetsByTerm,
      W: WeightsByTerm,
      lr: np.Array,
    ) => {
      const [[total, parts], g] = valueAndGrad(lossFn, { hasAux: true })(tree.ref(p), X, T, W);
      const [p2, s2] = adamUpdate(g, s, p, lr);
      return [p2, s2, statsVector(problem, total, parts)] as [
        NetParams,
        AdamState<NetParams>,
        np.Array,
      ];
    },
  );
}

/** The all-jax-js backend: one jitted function per step. */
export function jaxBackend(
  problem: Problem,
  net: Network,
  c: TrainConfig,
  init: NetParams,
): StepBackend {
  const step = makeAdamStep(problem, net);
  // built on first use: an Adam run never traces it
  let lossAndGrad: ReturnType<typeof makeLossAndGrad> | null = null;
  let layout: FlatLayout | null = null;
  let params = init;
  let opt: AdamState<NetParams> = adamInit(params);
  // uploaded arrays are reused while the batches object is the same (resampleEvery > 1)
  let cache: { batches: Batches; X: PointsByTerm; T: TargetsByTerm } | null = null;
  const drop = () => {
    if (cache) {
      tree.dispose(cache.X);
      tree.dispose(cache.T);
    }
    cache = null;
  };
  const upload = (batches: Batches) => {
    if (cache?.batches !== batches) {
      drop();
      const [X, T] = uploadBatches(problem, batches, c);
      cache = { batches, X, T };
    }
    return cache;
  };
  return {
    kind: "jax",
    async step(batches, weights, lr, causalEps = null) {
      const up = upload(batches);
      const [p2, s2, stats] = step(
        params,
        opt,
        tree.ref(up.X),
        tree.ref(up.T),
        weightArrays(problem, weights, c, batches, causalEps),
        fromData([lr], [], c.precision),
      );
      params = p2;
      opt = s2;
      return Float64Array.from(await stats.data());
    },
    async gradient(batches, weights, causalEps = null) {
      const up = upload(batches);
      lossAndGrad ??= makeLossAndGrad(problem, net);
      const [stats, g] = lossAndGrad(
        tree.ref(params),
        tree.ref(up.X),
        tree.ref(up.T),
        weightArrays(problem, weights, c, batches, causalEps),
      );
      return {
        stats: Float64Array.from(await stats.data()),
        g: Float64Array.from(await g.data()),
      };
    },
    async flatParams() {
      return (await flattenParams(params)).flat;
    },
    async setParams(x) {
      layout ??= (await flattenParams(params)).layout;
      tree.dispose(params);
      params = unflattenParams(x, layout, c.precision);
    },
    params: () => tree.ref(params),
    async snapshot() {
      const scalar = async (a: np.Array) => (await a.ref.data())[0];
      return {
        params: (await flattenParams(params)).flat,
        mu: (await flattenParams(opt.mu)).flat,
        nu: (await flattenParams(opt.nu)).flat,
        count: await scalar(opt.count),
        b1t: await scalar(opt.b1t),
        b2t: await scalar(opt.b2t),
      };
    },
    async restore(s) {
      const { layout } = await flattenParams(params);
      const scalar = (v: number) => fromData([v], [], c.precision);
      tree.dispose(params);
      tree.dispose(opt);
      params = unflattenParams(s.params, layout, c.precision);
      opt = {
        mu: unflattenParams(s.mu, layout, c.precision),
        nu: unflattenParams(s.nu, layout, c.precision),
        count: scalar(s.count),
        b1t: scalar(s.b1t),
        b2t: scalar(s.b2t),
      };
    },
    dispose() {
      drop();
      tree.dispose(params);
      tree.dispose(opt);
      step.dispose();
      lossAndGrad?.dispose();
    },
  };
}
