/**
 * The first-order phase: Adam (Kingma & Ba 2015) or SOAP (Vyas et al. 2024, "SOAP: Improving and
 * Stabilizing Shampoo using Adam"; for PINNs Wang et al. 2025, "Gradient alignment in PINNs")
 * steps on minibatches, resampled every `resampleEvery` steps or by the adaptive samplers, with
 * adaptive term weights, causal weights, monitors, checkpoints every `checkpointEvery` steps and
 * rollbacks after a non-finite loss or parameter (the cures cited in each module). Adam runs
 * inside the step backend (one jitted step, or the fused kernels); SOAP takes the backend's
 * gradient of the same loss, updates in JS (src/optim/soap.ts) and sets the parameters back.
 */
import { causalConfig, causalSchedule, causalWeights as causalWeightsOf } from "../loss/causal.js";
import type { NetParams } from "../nets/network.js";
import { learningRate } from "../optim/adam.js";
import {
  type SoapBlock,
  type SoapOptions,
  soapInit,
  soapOptions,
  soapUpdate,
} from "../optim/soap.js";
import { paramLayout } from "../loss/layout.js";
import type { Problem } from "../problem/problem.js";
import { Rng } from "../util/rng.js";
import { createAdaptive } from "./adaptive.js";
import { tree } from "../engine/index.js";
import {
  type RunContext,
  evalDue,
  record,
  truncateHistory,
  unpackStats,
  wallSeconds,
} from "./context.js";
import { createMonitor } from "./monitor.js";
import type { Batches, StepBackend } from "./backend.js";
import type { TrainConfig } from "./config.js";
import type { FirstOrderKind } from "./phases.js";
import { createBackend } from "./selectBackend.js";
import { sampleBatches } from "./setup.js";
import { type FirstOrderSnapshot, type TrainState, finiteSnapshot } from "./state.js";
import type { RollbackEvent, StepRecord } from "./types.js";
import { createWeightController } from "./weights.js";

/**
 * One first-order optimiser as the loop drives it: a step on the backend's parameters, and its
 * state (beyond the backend's Adam state) for checkpoints. The state lives in the closure only
 * between steps of one loop; checkpoints and rollbacks go through `save` / `load`.
 */
interface FirstOrderStepper {
  /** One step; returns the stats (a non-finite loss leaves the parameters unchanged). */
  step(
    batches: Batches,
    weights: Readonly<Record<string, number>>,
    lr: number,
    causalEps: number | null,
  ): Promise<Float64Array>;
  save(): FirstOrderSnapshot | undefined;
  load(s: FirstOrderSnapshot | undefined): void;
}

/** Adam: the backend's own step (its state is the backend's `OptimizerSnapshot`). */
function adamStepper(backend: StepBackend): FirstOrderStepper {
  return {
    step: (batches, weights, lr, eps) => backend.step(batches, weights, lr, eps),
    save: () => undefined,
    load(s) {
      if (s) throw new Error(`resume: the checkpoint holds ${s.kind} state, not Adam's`);
    },
  };
}

/** SOAP's options from the configuration. */
export function soapOptionsOf(c: TrainConfig): SoapOptions {
  return soapOptions({
    b1: c.soapB1,
    b2: c.soapB2,
    shampooBeta: c.soapShampooBeta,
    precondEvery: c.soapPrecondEvery,
    refresh: c.soapRefresh,
  });
}

/**
 * SOAP's blocks for a network: every weight matrix `w` [fanIn, fanOut] (row-major in the flat
 * vector) is a block; biases, weight-factorisation scales and trainable PDE coefficients (scalar
 * leaves after the layers) are left to plain Adam inside SOAP (as are matrices with one row or
 * column: soapInit treats them as 1-D).
 * @param params the network's parameters (not consumed)
 * @throws when `paramLayout`'s order is not the flat vector's (`tree.leaves`) order
 * @example soapBlocks(net.init(0)) // [{ offset: 0, rows: 2, cols: 16 }, { offset: 48, rows: 16, cols: 16 }, ...]
 */
export function soapBlocks(params: NetParams): SoapBlock[] {
  const segs = paramLayout(params);
  const leaves = tree.leaves(params);
  const coefs = params.coef ? Object.keys(params.coef).length : 0;
  const same =
    segs.length + coefs === leaves.length &&
    segs.every((s, i) => s.shape.join(",") === leaves[i].shape.join(",")) &&
    leaves.slice(segs.length).every((l) => l.size === 1);
  if (!same) throw new Error("soapBlocks: the parameter layout is not the tree.leaves order");
  return segs
    .filter((s) => s.param === "w" && s.shape.length === 2)
    .map((s) => ({ offset: s.offset, rows: s.shape[0], cols: s.shape[1] }));
}

/** SOAP on the backend's flat parameters: gradient -> soapUpdate -> parameters set back. */
function soapStepper(backend: StepBackend, c: TrainConfig, blocks: SoapBlock[], P: number) {
  const opts = soapOptionsOf(c);
  let state = soapInit(P, blocks, opts);
  const stepper: FirstOrderStepper = {
    async step(batches, weights, lr, eps) {
      const { stats, g } = await backend.gradient(batches, weights, eps);
      if (!Number.isFinite(stats[0])) return stats;
      const x = await backend.flatParams();
      const r = soapUpdate(g, state, lr, opts, x);
      state = r.state;
      for (let i = 0; i < x.length; i++) x[i] += r.delta[i];
      await backend.setParams(x);
      return stats;
    },
    // soapUpdate never mutates a state, so the snapshot can share its arrays
    save: () => ({ kind: "soap", state }),
    load(s) {
      if (s?.kind !== "soap") throw new Error("resume: the checkpoint holds no SOAP state");
      state = s.state;
    },
  };
  return stepper;
}

/**
 * Run the first-order phase `kind` from `params` (consumed), or from `resume` when given.
 * @returns the parameters after the phase (the step backend stays alive in `ctx.backend` for
 *   the second-order phases' objectives)
 * @example params = await runFirstOrder(ctx, "soap", net.init(0), null);
 */
export async function runFirstOrder(
  ctx: RunContext,
  kind: FirstOrderKind,
  params: NetParams,
  resume: TrainState | null,
): Promise<NetParams> {
  const { problem, net, c, o } = ctx;
  const steps = c.steps;
  const name = firstOrderName(kind);
  if (resume && resume.step > steps) {
    throw new Error(`resume: the checkpoint is at step ${resume.step}, past steps=${steps}`);
  }
  const causalCfg = c.causal ? causalConfig(c) : null;
  const ctl = createWeightController(problem, net, c, ctx.weights, resume?.weighting);
  const monitor = createMonitor(problem, net, c);
  const blocks = kind === "soap" ? soapBlocks(params) : [];
  const P = tree.leaves(params).reduce((a, l) => a + l.size, 0);
  const backend = await createBackend(problem, net, c, params, (m) => o.onNote?.(m));
  const stepper = stepperFor(kind, backend, c, blocks, P);
  let batchRng = resume?.batchRng ?? ctx.rng.state();
  let lrScale = resume?.lrScale ?? 1;
  let rollbacks = resume?.rollbacks ?? 0;
  const adaptive = createAdaptive(problem, net, c);
  let batches = sampleBatches(problem, c, ctx.rng, c.points, adaptive);
  /** Bring the loop back to a saved state (backend, weighting, RNG, batch); returns its step. */
  const restore = async (st: TrainState): Promise<number> => {
    await backend.restore(st.optimizer);
    stepper.load(st.firstOrder);
    // the checkpoint names the terms; the scheme gets the problem's own term objects back
    ctl.state = { ...st.weighting, terms: problem.terms };
    ctx.rng = new Rng(st.batchRng);
    batches = sampleBatches(problem, c, ctx.rng, c.points, adaptive);
    if (ctx.rng.state().some((v, i) => v !== st.rng[i])) {
      throw new Error(`checkpoint at step ${st.step}: its RNG state does not match its batch`);
    }
    batchRng = st.batchRng;
    return st.step;
  };
  const snapshot = async (step: number): Promise<TrainState> => {
    const first = stepper.save();
    return {
      step,
      optimizer: await backend.snapshot(),
      weighting: {
        ...ctl.state,
        terms: ctl.state.terms.map((t) => ({ name: t.name, kind: t.kind })),
      },
      rng: ctx.rng.state(),
      batchRng,
      lrScale,
      rollbacks,
      wall_s: wallSeconds(ctx),
      ...(first ? { firstOrder: first } : {}),
    };
  };
  let k = 0;
  if (resume) {
    ctx.t0 -= resume.wall_s * 1000;
    k = await restore(resume);
    ctx.steps = k;
    truncateHistory(ctx, k);
  }
  // the rollback target: the newest checkpoint (the starting state until one is written)
  let last: TrainState = resume ?? (await snapshot(0));
  /** A non-finite loss or parameter: roll back with a smaller lr, or give up. */
  const divergence = async (what: string): Promise<boolean> => {
    if (rollbacks >= c.divergenceRetries) {
      ctx.status = "diverged";
      const tried =
        rollbacks > 0
          ? `after ${rollbacks} rollback(s) with the learning rate scaled by ${lrScale.toPrecision(3)}`
          : "with no rollbacks left (divergenceRetries=0)";
      ctx.message =
        `${what} at ${name} step ${k}, ${tried}; try a smaller lr (now ${c.lr}), ` +
        `more warmup, or a smaller rollbackLrFactor`;
      return false;
    }
    rollbacks++;
    lrScale *= c.rollbackLrFactor;
    const event: RollbackEvent = { atStep: k, toStep: last.step, reason: what, lrScale };
    ctx.rollbacks.push(event);
    k = await restore(last);
    ctx.steps = k;
    truncateHistory(ctx, k);
    o.onRollback?.(event);
    return true;
  };
  const sched = { lr: c.lr, warmup: c.warmup, decayRate: c.decayRate, decaySteps: c.decaySteps };
  while (k < steps) {
    if (performance.now() > ctx.deadline) {
      ctx.message = `stopped by the time budget after ${k} of ${steps} ${name} steps`;
      ctx.stoppedEarly = true;
      break;
    }
    // adaptive samplers: measure the residual on a candidate pool, then draw from it
    const adapt = adaptive !== null && k > 0 && k % c.adaptEvery === 0;
    if (adapt) await adaptive.refresh(backend.params(), ctx.rng);
    if (adapt || (k > 0 && c.resampleEvery > 0 && k % c.resampleEvery === 0)) {
      batchRng = ctx.rng.state();
      batches = sampleBatches(problem, c, ctx.rng, c.points, adaptive);
    }
    const lr = learningRate(sched, k) * lrScale;
    const w = { ...ctl.weights };
    const eps = ctx.causal?.eps ?? null;
    const stats = await stepper.step(ctl.withPointWeights(batches), w, lr, eps);
    const { loss, terms, coefs } = unpackStats(problem, stats);
    if (!Number.isFinite(loss)) {
      if (await divergence(`loss became ${loss}`)) continue;
      ctx.finalTerms = terms;
      break;
    }
    ctx.steps++;
    ctx.finalTerms = terms;
    let causalRecord: StepRecord["causal"];
    if (causalCfg && ctx.causal) {
      const chunks = causalChunks(problem, stats, c.causalChunks);
      // the schedule follows the first residual term (the only one in every built-in problem)
      ctx.causal = causalSchedule.update(causalCfg, ctx.causal, Object.values(chunks)[0]);
      causalRecord = { eps: eps ?? 0, chunks: {} };
      for (const [n, l] of Object.entries(chunks)) {
        causalRecord.chunks[n] = { loss: l, weight: causalWeightsOf(l, eps ?? 0) };
      }
    }
    if (k % c.logEvery === 0 || k === steps - 1) {
      let relL2: number | undefined;
      if (evalDue(ctx, k, steps - 1)) {
        const p = backend.params();
        relL2 = await ctx.probe?.(p);
        tree.dispose(p);
      }
      record(ctx, {
        step: k,
        phase: kind,
        loss,
        terms,
        lr,
        weights: w,
        wall_s: wallSeconds(ctx),
        ...(causalRecord ? { causal: causalRecord } : {}),
        ...(coefs ? { coefs } : {}),
        ...(relL2 !== undefined ? { rel_l2: relL2 } : {}),
      });
    }
    await ctl.maybeUpdate(k + 1, terms, backend, batches);
    const diag = await monitor.maybeRecord(k + 1, backend, batches);
    if (diag.length) o.onDiagnostics?.(diag);
    k++;
    // checkpoint every checkpointEvery steps and when the phase ends (later phases start there)
    const due = c.checkpointEvery > 0 && (k % c.checkpointEvery === 0 || k === steps);
    if (due) {
      const st = await snapshot(k);
      if (!finiteSnapshot(st.optimizer, st.firstOrder)) {
        if (await divergence("a parameter became non-finite")) continue;
        break;
      }
      last = st;
      await o.onCheckpoint?.(st);
    }
  }
  ctx.finalWeights = { ...ctl.weights };
  ctx.adamEnd = await snapshot(k);
  adaptive?.dispose();
  ctl.dispose();
  monitor.dispose();
  ctx.backendKind = backend.kind;
  ctx.backend = backend;
  return backend.params();
}

/** The stepper of a first-order phase. */
function stepperFor(
  kind: FirstOrderKind,
  backend: StepBackend,
  c: TrainConfig,
  blocks: SoapBlock[],
  P: number,
): FirstOrderStepper {
  switch (kind) {
    case "adam":
      return adamStepper(backend);
    case "soap":
      return soapStepper(backend, c, blocks, P);
    default: {
      const never: never = kind;
      throw new Error(`unknown first-order phase ${String(never)}`);
    }
  }
}

/** A first-order phase's name in messages. */
function firstOrderName(kind: FirstOrderKind): string {
  switch (kind) {
    case "adam":
      return "Adam";
    case "soap":
      return "SOAP";
    default: {
      const never: never = kind;
      throw new Error(`unknown first-order phase ${String(never)}`);
    }
  }
}

/** Chunk losses per causal (residual) term from a step's stats (see `statsVector`). */
function causalChunks(
  problem: Problem,
  stats: ArrayLike<number>,
  M: number,
): Record<string, number[]> {
  const out: Record<string, number[]> = {};
  let o = 1 + problem.termNames.length;
  for (const t of problem.terms) {
    if (t.kind !== "residual") continue;
    out[t.name] = Array.from({ length: M }, (_, i) => stats[o + i]);
    o += M;
  }
  return out;
}
