/**
 * The second-order phases (`lbfgs`, `bfgs`, `ssbfgs`, `ssbroyden`, `lm`): full-batch minimisation
 * of the weighted loss over a fixed point set that residual-based sampling (RAD, Wu et al. 2023)
 * redraws every `redrawEvery` iterations, as in Urban, Stefanou & Pons (J. Comput. Phys. 2024).
 * Each optimiser is an `{init, rebase, step}` part over flat float64 parameters whose state is
 * plain data, checkpointed every `checkpointEvery` iterations with the batches it minimises over,
 * so `--resume` continues bit for bit.
 */
import { tree } from "../engine/index.js";
import { type FlatLayout, flattenParams, unflattenParams } from "../nets/flat.js";
import type { NetParams } from "../nets/network.js";
import { bfgsInit, bfgsOptions, bfgsRebase, bfgsStep, type BfgsState } from "../optim/bfgs.js";
import { lbfgsInit, lbfgsRebase, lbfgsStep, type LbfgsState } from "../optim/lbfgs.js";
import { lmInit, lmOptions, lmRebase, lmStep, type LmState } from "../optim/lm.js";
import type { Objective, ResidualObjective } from "../optim/types.js";
import { orderedLeaves } from "../loss/layout.js";
import { createAdaptive } from "./adaptive.js";
import type { Batches } from "./backend.js";
import type { TrainConfig } from "./config.js";
import { type RunContext, evalDue, record, truncateHistory, wallSeconds } from "./context.js";
import { flatObjective, flatResiduals } from "./objective.js";
import { type SecondOrderKind, phasePoints, phaseSteps } from "./phases.js";
import { createBackend } from "./selectBackend.js";
import { sampleBatches } from "./setup.js";
import { readCoefficients } from "../nets/coefficients.js";
import type { SavedBatch, SecondOrderSnapshot, TrainState } from "./state.js";

/** A plain-data optimiser state (what a checkpoint stores). */
type Plain = Record<string, number | boolean | Float64Array>;

/** What a second-order optimiser reads: the loss and gradient, and (LM) residuals and Jacobian. */
interface Evaluators {
  readonly fg: Objective;
  readonly resid: ResidualObjective | null;
}

/** What the phase loop reads of any optimiser's state: the iterate and its loss. */
interface PhaseState {
  readonly x: Float64Array;
  readonly f: number;
}

/**
 * One second-order optimiser as the phase loop drives it. Declared with method syntax, so a
 * `Method<BfgsState>` is a `Method<PhaseState>` (the loop hands each method only its own states).
 */
interface Method<S extends PhaseState> {
  /** Evaluates the objective at x0 and starts. */
  init(x0: Float64Array, ev: Evaluators): Promise<S>;
  /** The objective changed (a redrawn batch): evaluate it at the state's x, keep the curvature. */
  rebase(s: S, ev: Evaluators): Promise<S>;
  /** One iteration; `stop` says why it could not move (x unchanged then). */
  step(s: S, ev: Evaluators): Promise<{ state: S; stop: string | null }>;
}

const bfgsMethod = (
  c: TrainConfig,
  variant: "bfgs" | "ssbfgs" | "ssbroyden",
): Method<BfgsState> => {
  const opts = bfgsOptions(variant);
  return {
    async init(x0, ev) {
      const { f, g } = await ev.fg(x0);
      return bfgsInit(x0, f, g);
    },
    async rebase(s, ev) {
      const { f, g } = await ev.fg(s.x);
      return bfgsRebase(s, f, g);
    },
    async step(s, ev) {
      const { state, info } = await bfgsStep(s, ev.fg, opts);
      return { state, stop: info.reason ?? null };
    },
  };
};

const lbfgsMethod = (c: TrainConfig): Method<LbfgsState> => ({
  async init(x0, ev) {
    const { f, g } = await ev.fg(x0);
    return lbfgsInit(x0, f, g, c.lbfgsHistory);
  },
  async rebase(s, ev) {
    const { f, g } = await ev.fg(s.x);
    return lbfgsRebase(s, f, g);
  },
  async step(s, ev) {
    const { state, info } = await lbfgsStep(s, ev.fg);
    return { state, stop: info.reason ?? null };
  },
});

const lmMethod = (c: TrainConfig): Method<LmState> => {
  const opts = lmOptions({ initialDamping: { kind: "relative", tau: c.lmDamping } });
  const need = (ev: Evaluators): ResidualObjective => {
    if (!ev.resid) throw new Error("lm: no residual objective");
    return ev.resid;
  };
  /** Evaluate r and J at the state's x (the phase loop expects f at x after init and rebase). */
  const evaluate = async (s: LmState, ev: Evaluators): Promise<LmState> => {
    const { r, J } = await need(ev)(s.x);
    let f = 0;
    for (const v of r) f += v * v;
    return { ...s, r, J, f, evals: s.evals + 1 };
  };
  return {
    init: (x0, ev) => evaluate(lmInit(x0, opts), ev),
    rebase: (s, ev) => evaluate(lmRebase(s), ev),
    async step(s, ev) {
      const { state, info } = await lmStep(s, need(ev), opts);
      return { state, stop: info.reason ?? null };
    },
  };
};

function methodFor(kind: SecondOrderKind, c: TrainConfig): Method<PhaseState> {
  switch (kind) {
    case "lbfgs":
      return lbfgsMethod(c);
    case "bfgs":
    case "ssbfgs":
    case "ssbroyden":
      return bfgsMethod(c, kind);
    case "lm":
      return lmMethod(c);
    default: {
      const never: never = kind;
      throw new Error(`unknown phase ${String(never)}`);
    }
  }
}

/**
 * Column permutation from `orderedLeaves` (the Jacobians' order) to `tree.leaves` order.
 * @throws naming `optimizer` when some parameters (trainable coefficients) have no Jacobian
 *   column
 */
async function leafOrder(layout: FlatLayout, c: TrainConfig): Promise<number[]> {
  const ids = Float64Array.from({ length: layout.size }, (_, i) => i);
  const p = unflattenParams(ids, layout, "float64");
  const out = new Array<number>(layout.size);
  let col = 0;
  for (const a of orderedLeaves(p)) {
    for (const v of await a.ref.data()) out[v] = col++;
  }
  tree.dispose(p);
  if (col !== layout.size) {
    throw new Error(
      `optimizer=${c.optimizer}: lm's Jacobian covers the network's ${col} weights but not the ` +
        `${layout.size - col} trainable coefficient(s); use adam+ssbroyden for inverse problems`,
    );
  }
  return out;
}

function saveBatches(b: Batches): Record<string, SavedBatch> {
  const out: Record<string, SavedBatch> = {};
  for (const [k, v] of Object.entries(b)) {
    out[k] = {
      X: Float64Array.from(v.X),
      rows: v.rows,
      target: v.target ? Float64Array.from(v.target) : null,
    };
  }
  return out;
}

/**
 * A checkpointed optimiser state, copied, with the fields every method has checked (the rest is
 * the method's own, written by it).
 * @throws when the checkpoint's state lacks its iterate or loss
 */
function restoreState(saved: Plain): PhaseState {
  const s = copyPlain(saved);
  if (!(s.x instanceof Float64Array) || typeof s.f !== "number") {
    throw new Error("checkpoint: the second-order state has no iterate x or loss f");
  }
  return s as Plain & PhaseState;
}

function copyPlain(s: object): Plain {
  const out: Plain = {};
  for (const [k, v] of Object.entries(s)) {
    if (v instanceof Float64Array) out[k] = Float64Array.from(v);
    else if (typeof v === "number" || typeof v === "boolean") out[k] = v;
    else throw new Error(`optimiser state field ${k} is not plain data`);
  }
  return out;
}

/**
 * Run one second-order phase from `params` (consumed), or from `resume.second` when given.
 * @param index the phase's position in the plan
 * @returns the parameters after the phase
 */
export async function runSecondOrder(
  ctx: RunContext,
  kind: SecondOrderKind,
  index: number,
  params: NetParams,
  resume: TrainState | null,
): Promise<NetParams> {
  const { problem, net, c, o } = ctx;
  const saved = resume?.second ?? null;
  const n = phaseSteps(kind, c);
  const points = phasePoints(kind, c);
  const { flat: x0, layout } = await flattenParams(params);
  tree.dispose(params);
  const method = methodFor(kind, c);
  if (!ctx.backend) {
    // a plan without Adam (or resumed past it): the same objective path as an uninterrupted run
    ctx.backend = await createBackend(
      problem,
      net,
      c,
      unflattenParams(x0, layout, c.precision),
      (m) => o.onNote?.(m),
    );
    ctx.backendKind = ctx.backend.kind;
  }
  const weights = saved ? { ...saved.weights } : { ...ctx.finalWeights };
  ctx.finalWeights = weights;
  const order = kind === "lm" ? await leafOrder(layout, c) : [];
  const rad =
    c.redrawEvery > 0
      ? createAdaptive(problem, net, { ...c, sampler: "rad", adaptPool: c.redrawPool })
      : null;
  let batches: Batches = saved
    ? Object.fromEntries(Object.entries(saved.batches).map(([k, b]) => [k, { ...b }]))
    : sampleBatches(problem, c, ctx.rng, points);
  const evaluators = () => {
    const fo = flatObjective(ctx, ctx.backend, batches, weights, layout);
    const ro = kind === "lm" ? flatResiduals(ctx, batches, weights, layout, order) : null;
    return {
      ev: { fg: fo.fg, resid: ro?.resid ?? null } as Evaluators,
      lastTerms: () => (ro ?? fo).lastTerms(),
      dispose: () => {
        fo.dispose();
        ro?.dispose();
      },
    };
  };
  let obj = evaluators();
  const stepBase = saved ? saved.stepBase : ctx.steps;
  let it = saved ? saved.iter : 0;
  let state: PhaseState;
  if (saved) {
    ctx.t0 -= (resume?.wall_s ?? 0) * 1000;
    state = restoreState(saved.state);
    ctx.steps = resume?.step ?? ctx.steps;
    truncateHistory(ctx, ctx.steps);
  } else {
    state = await method.init(x0, obj.ev);
  }
  const base = resume ?? ctx.adamEnd;
  const snapshot = (): TrainState => {
    const x = Float64Array.from(state.x);
    const P = x.length;
    const second: SecondOrderSnapshot = {
      phase: index,
      kind,
      iter: it,
      stepBase,
      state: copyPlain(state),
      batches: saveBatches(batches),
      weights,
    };
    return {
      step: ctx.steps,
      optimizer: {
        params: x,
        mu: base?.optimizer.mu ?? new Float64Array(P),
        nu: base?.optimizer.nu ?? new Float64Array(P),
        count: base?.optimizer.count ?? 0,
        b1t: base?.optimizer.b1t ?? 1,
        b2t: base?.optimizer.b2t ?? 1,
      },
      weighting: base?.weighting ?? {
        kind: "fixed",
        terms: problem.terms.map((t) => ({ name: t.name, kind: t.kind })),
        weights,
        updates: 0,
      },
      rng: ctx.rng.state(),
      batchRng: ctx.rng.state(),
      lrScale: base?.lrScale ?? 1,
      rollbacks: base?.rollbacks ?? 0,
      wall_s: wallSeconds(ctx),
      second,
    };
  };
  /** The record of iteration i (done: state.x is its iterate); `final` marks the phase's end. */
  let logged = -1;
  const logIteration = async (i: number, final: boolean) => {
    logged = i;
    let relL2: number | undefined;
    // trainable coefficients: their values at this iterate (inverse problems)
    let coefs: Record<string, number> | undefined;
    if (net.coefficients) {
      const p = unflattenParams(state.x, layout, c.precision);
      coefs = await readCoefficients(net, p);
      tree.dispose(p);
    }
    if (evalDue(ctx, stepBase + i, final ? stepBase + i : stepBase + n - 1)) {
      const p = unflattenParams(state.x, layout, c.precision);
      relL2 = await ctx.probe?.(p);
      tree.dispose(p);
    }
    record(ctx, {
      step: stepBase + i,
      phase: kind,
      loss: state.f,
      terms: ctx.finalTerms,
      lr: 0,
      weights,
      wall_s: wallSeconds(ctx),
      ...(relL2 !== undefined ? { rel_l2: relL2 } : {}),
      ...(coefs ? { coefs } : {}),
    });
  };
  let why = "";
  if (!Number.isFinite(state.f)) {
    ctx.status = "diverged";
    ctx.message = `${kind} started from a non-finite loss`;
  }
  while (ctx.status === "completed" && it < n) {
    if (performance.now() > ctx.deadline) {
      why = "time budget";
      ctx.stoppedEarly = true;
      break;
    }
    if (rad && it > 0 && it % c.redrawEvery === 0) {
      // residual-based redraw of the point set at the current parameters
      await rad.refresh(unflattenParams(state.x, layout, c.precision), ctx.rng);
      batches = sampleBatches(problem, c, ctx.rng, points, rad);
      obj.dispose();
      obj = evaluators();
      state = await method.rebase(state, obj.ev);
    }
    const r = await method.step(state, obj.ev);
    state = r.state;
    if (r.stop) {
      if (r.stop === "nonFinite") {
        ctx.status = "diverged";
        ctx.message = `${kind}: the loss became non-finite at iteration ${it}`;
      }
      why = r.stop;
      break;
    }
    ctx.steps++;
    ctx.finalTerms = obj.lastTerms();
    if (it % c.logEvery === 0 || it === n - 1) await logIteration(it, false);
    it++;
    if (c.checkpointEvery > 0 && (it % c.checkpointEvery === 0 || it === n)) {
      await o.onCheckpoint?.(snapshot());
    }
  }
  if (ctx.status === "completed") {
    // stopped before its last iteration (line search, time budget): the final iterate's record
    if (it > 0 && it < n && logged !== it - 1) await logIteration(it - 1, true);
    ctx.message = `${kind} stopped after ${it} iterations (${why || "maxIter"})`;
  }
  obj.dispose();
  rad?.dispose();
  return unflattenParams(state.x, layout, c.precision);
}
