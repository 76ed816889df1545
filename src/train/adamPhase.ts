/**
 * The first-order phase: Adam steps on minibatches (one jitted step, or the fused kernels),
 * resampled every `resampleEvery` steps or by the adaptive samplers, with adaptive term weights,
 * causal weights, monitors, checkpoints every `checkpointEvery` steps and rollbacks after a
 * non-finite loss or parameter (Kingma & Ba 2015; the cures cited in each module).
 */
import { causalConfig, causalSchedule, causalWeights as causalWeightsOf } from "../loss/causal.js";
import type { NetParams } from "../nets/network.js";
import { learningRate } from "../optim/adam.js";
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
import { createBackend } from "./selectBackend.js";
import { sampleBatches } from "./setup.js";
import { type TrainState, finiteSnapshot } from "./state.js";
import type { RollbackEvent, StepRecord } from "./types.js";
import { createWeightController } from "./weights.js";

/**
 * Run the Adam phase from `params` (consumed), or from `resume` when given.
 * @returns the parameters after the phase (the step backend stays alive in `ctx.backend` for
 *   the second-order phases' objectives)
 */
export async function runAdam(
  ctx: RunContext,
  params: NetParams,
  resume: TrainState | null,
): Promise<NetParams> {
  const { problem, net, c, o } = ctx;
  const adamSteps = c.steps;
  if (resume && resume.step > adamSteps) {
    throw new Error(`resume: the checkpoint is at step ${resume.step}, past steps=${adamSteps}`);
  }
  const causalCfg = c.causal ? causalConfig(c) : null;
  const ctl = createWeightController(problem, net, c, ctx.weights, resume?.weighting);
  const monitor = createMonitor(problem, net, c);
  const backend = await createBackend(problem, net, c, params, (m) => o.onNote?.(m));
  let batchRng = resume?.batchRng ?? ctx.rng.state();
  let lrScale = resume?.lrScale ?? 1;
  let rollbacks = resume?.rollbacks ?? 0;
  const adaptive = createAdaptive(problem, net, c);
  let batches = sampleBatches(problem, c, ctx.rng, c.points, adaptive);
  /** Bring the loop back to a saved state (backend, weighting, RNG, batch); returns its step. */
  const restore = async (st: TrainState): Promise<number> => {
    await backend.restore(st.optimizer);
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
  const snapshot = async (step: number): Promise<TrainState> => ({
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
  });
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
        `${what} at Adam step ${k}, ${tried}; try a smaller lr (now ${c.lr}), ` +
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
  while (k < adamSteps) {
    if (performance.now() > ctx.deadline) {
      ctx.message = `stopped by the time budget after ${k} of ${adamSteps} Adam steps`;
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
    const stats = await backend.step(ctl.withPointWeights(batches), w, lr, eps);
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
    if (k % c.logEvery === 0 || k === adamSteps - 1) {
      let relL2: number | undefined;
      if (evalDue(ctx, k, adamSteps - 1)) {
        const p = backend.params();
        relL2 = await ctx.probe?.(p);
        tree.dispose(p);
      }
      record(ctx, {
        step: k,
        phase: "adam",
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
    // checkpoint every checkpointEvery steps and when Adam ends (later phases start from there)
    const due = c.checkpointEvery > 0 && (k % c.checkpointEvery === 0 || k === adamSteps);
    if (due) {
      const st = await snapshot(k);
      if (!finiteSnapshot(st.optimizer)) {
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
