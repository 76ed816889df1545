/**
 * The training loop: Adam steps (one jitted function: jets, loss, gradient, update), then
 * optionally L-BFGS on a fixed full batch. Sampling happens in JS from a seeded PRNG, so a run is a
 * deterministic function of its configuration. One flat record per logged step goes to `onRecord`.
 *
 * Memory: each jitted call consumes the previous parameters and optimiser state, and the loop
 * reads one small stats array per step, so nothing accumulates (DESIGN.md, "Ownership").
 */
import { jit, np, tree, valueAndGrad } from "../engine/index.js";
import { flattenParams, unflattenParams } from "../nets/flat.js";
import { type NetConfig, type NetParams, type Network, createNetwork } from "../nets/network.js";
import { lbfgs } from "../optim/lbfgs.js";
import { learningRate } from "../optim/adam.js";
import type { Problem } from "../problem/problem.js";
import { Rng } from "../util/rng.js";
import { type Batches, type StepBackend, uploadBatches, weightArrays } from "./backend.js";
import { createBackend } from "./selectBackend.js";
import { type DiagnosticRecord, createMonitor } from "./monitor.js";
import { type TrainState, finiteSnapshot } from "./state.js";
import { type AdaptiveHook, createAdaptive } from "./adaptive.js";
import {
  type CausalState,
  causalConfig,
  causalSchedule,
  causalWeights as causalWeightsOf,
  sortByTime,
} from "../loss/causal.js";
import { constrainNetwork, hardPlan } from "../nets/constraints.js";
import { createWeightController } from "./weights.js";
import { type TrainConfig, validateTrainConfig } from "./config.js";
import {
  type PointsByTerm,
  type TargetsByTerm,
  type WeightsByTerm,
  weightedLoss,
} from "../loss/loss.js";

/** One logged step: flat, JSON-ready. */
export interface StepRecord {
  step: number;
  phase: "adam" | "lbfgs";
  loss: number;
  /** Unweighted mean-square loss per term name. */
  terms: Record<string, number>;
  lr: number;
  /** Loss weight per term name in force at this step. */
  weights: Record<string, number>;
  wall_s: number;
  /**
   * Causal training (src/loss/causal.ts): the tolerance in force at this step and, per residual
   * term, its time chunks' mean-square residuals (earliest first) and the weights they received.
   */
  causal?: { eps: number; chunks: Record<string, { loss: number[]; weight: number[] }> };
  /** Curriculum stage or time-marching window this step belongs to (src/train/run.ts). */
  stage?: number;
}

/** What `train` returns. */
export interface TrainResult {
  net: Network;
  params: NetParams;
  history: StepRecord[];
  /** Adam steps plus L-BFGS iterations actually run. */
  steps: number;
  wall_s: number;
  status: "completed" | "diverged";
  message: string;
  /** The Adam-phase backend that ran ("none" when there was no Adam phase). */
  backend: "jax" | "kernels" | "none";
  /** Unweighted loss per term at the end. */
  finalTerms: Record<string, number>;
  /** Loss weight per term at the end (the adaptive schemes' last update). */
  finalWeights: Record<string, number>;
  /** Rollbacks after non-finite losses or parameters, in order. */
  rollbacks: RollbackEvent[];
  /** The problem as trained: conditions imposed exactly (`hard`) are no longer loss terms. */
  problem: Problem;
  /**
   * The causal schedule's final state (null without causal training); plain data. Not yet part
   * of checkpoints: a resumed causal run restarts its eps schedule at `causalEps`.
   */
  causal: CausalState | null;
}

/** A rollback: at `atStep` the loss or a parameter was not finite; training went back to `toStep`. */
export interface RollbackEvent {
  atStep: number;
  toStep: number;
  reason: string;
  /** The learning-rate scale in force from then on. */
  lrScale: number;
}

/** Inputs of `train`. */
export interface TrainOptions {
  problem: Problem;
  config: TrainConfig;
  /** Fixed weight per term name (missing names weigh 1). */
  weights?: Readonly<Record<string, number>>;
  onRecord?: (r: StepRecord) => void;
  /** One-line notes about choices made for the user (e.g. a backend fallback). */
  onNote?: (msg: string) => void;
  /** Diagnostics records (gradient statistics, NTK spectra) as they are measured. */
  onDiagnostics?: (records: DiagnosticRecord[]) => void;
  /**
   * Receives a checkpoint every `checkpointEvery` Adam steps and when Adam ends (awaited, so the
   * caller can write it before training goes on).
   */
  onCheckpoint?: (state: TrainState) => void | Promise<void>;
  /** Told about each rollback; records logged after `toStep` are void from then on. */
  onRollback?: (e: RollbackEvent) => void;
  /** Continue from a checkpoint (made with the same problem and configuration). */
  resume?: TrainState;
  /** Stop the Adam phase (and skip L-BFGS) after this much wall time; the run still completes. */
  stopAfterSeconds?: number;
  /** Warm start: initial parameters (consumed) instead of a fresh initialisation. */
  init?: NetParams;
}

/** The network a problem and configuration call for. */
export function networkFor(problem: Problem, c: TrainConfig): Network {
  const d = problem.domain;
  // periodic conditions become exact through the embedding: all of them with periodicEmbedding,
  // or those named in `hard`
  const periodicInputs = [
    ...new Set(
      Object.entries(problem.conditions).flatMap(([name, k]) =>
        k.kind === "periodic" && (c.periodicEmbedding || c.hard.includes(name)) ? [k.input] : [],
      ),
    ),
  ];
  const config: NetConfig = {
    arch: c.arch,
    inputs: d.inputs.length,
    outputs: problem.fields.length,
    width: c.width,
    depth: c.depth,
    activation: c.activation,
    init: c.init,
    lo: d.lo,
    hi: d.hi,
    periodic: periodicInputs.map((name) => {
      const i = d.inputs.indexOf(name);
      return { input: i, period: d.hi[i] - d.lo[i] };
    }),
    fourier: c.fourier > 0 ? { features: c.fourier, scale: c.fourierScale } : null,
    rwf: c.rwf ? { mean: 1, std: 0.1 } : null,
    precision: c.precision,
  };
  const net = createNetwork(config, c.seed);
  const plan = hardPlan(problem, c.hard);
  return plan.transform ? constrainNetwork(net, plan.transform) : net;
}

/**
 * The problem and network a configuration trains: conditions named in `hard` are imposed by the
 * network (src/nets/constraints.ts) and leave the loss.
 */
export function prepare(problem: Problem, c: TrainConfig): { problem: Problem; net: Network } {
  validateTrainConfig(c);
  const net = networkFor(problem, c);
  if (c.hard.length === 0) return { problem, net };
  const exact = new Set(hardPlan(problem, c.hard).exact);
  const terms = problem.terms.filter((t) => !exact.has(t.name));
  return { problem: { ...problem, terms, termNames: terms.map((t) => t.name) }, net };
}

/**
 * Draw a host-side batch for every term (residual terms get nResidual points, from the adaptive
 * sampler when one is given; sorted by time for causal training).
 */
export function sampleBatches(
  problem: Problem,
  c: TrainConfig,
  rng: Rng,
  nResidual: number,
  adaptive: AdaptiveHook | null = null,
): Batches {
  const out: Batches = {};
  const base = c.sampler === "lhs" || c.sampler === "sobol" ? c.sampler : "uniform";
  const dims = problem.domain.inputs.length;
  const ti = problem.domain.time === null ? -1 : problem.domain.inputs.indexOf(problem.domain.time);
  for (const term of problem.terms) {
    const residual = term.kind === "residual";
    if (term.quadratureNodes && (adaptive || c.causal)) {
      throw new Error(
        `${term.name}: an integral residual's batch (points + quadrature rows) cannot be drawn adaptively or sorted for causal training`,
      );
    }
    let b =
      residual && adaptive
        ? adaptive.draw(term.name, rng, nResidual)
        : term.sample(rng, residual ? nResidual : c.bcPoints, base);
    if (residual && c.causal) {
      if (ti < 0) throw new Error(`causal: ${problem.name} has no time input`);
      b = sortByTime(b, dims, ti);
    }
    out[term.name] = b;
  }
  return out;
}

/** Check weights name only existing terms. */
export function validateWeights(problem: Problem, w: Readonly<Record<string, number>>): void {
  for (const [k, v] of Object.entries(w)) {
    if (!problem.termNames.includes(k)) {
      throw new Error(`w.${k}: no term named "${k}" (terms: ${problem.termNames.join(", ")})`);
    }
    if (!(v >= 0) || !Number.isFinite(v)) throw new Error(`w.${k}: weight must be finite and >= 0`);
  }
}

/**
 * Train a PINN for a problem.
 * @example
 * const r = await train({ problem: burgers.build({ nu: 0.01 / Math.PI }), config: defaultTrainConfig() });
 */
export async function train(o: TrainOptions): Promise<TrainResult> {
  const { config: c } = o;
  validateWeights(o.problem, o.weights ?? {});
  const { problem, net } = prepare(o.problem, c);
  // weights of conditions imposed exactly no longer apply
  const weights = Object.fromEntries(
    Object.entries(o.weights ?? {}).filter(([k]) => problem.termNames.includes(k)),
  );
  let rng = new Rng(c.seed);
  let params = o.init ?? net.init(c.seed);
  const causalCfg = c.causal ? causalConfig(c) : null;
  let causal: CausalState | null = causalCfg ? causalSchedule.init(causalCfg) : null;
  let t0 = performance.now();
  let stoppedEarly = false;
  const rollbackEvents: RollbackEvent[] = [];
  const history: StepRecord[] = [];
  const names = problem.termNames;
  let finalTerms: Record<string, number> = {};
  let status: TrainResult["status"] = "completed";
  let message = "";
  let steps = 0;
  let backendKind: TrainResult["backend"] = "none";
  let finalWeights: Record<string, number> = { ...weights };
  let lbfgsBackend: StepBackend | null = null;
  const record = (r: StepRecord) => {
    history.push(r);
    o.onRecord?.(r);
  };
  const unpack = (stats: ArrayLike<number>) => {
    const terms: Record<string, number> = {};
    names.forEach((n, i) => (terms[n] = stats[i + 1]));
    return { loss: stats[0], terms };
  };

  const adamSteps = c.optimizer === "lbfgs" ? 0 : c.steps;
  if (o.resume && o.resume.step > adamSteps) {
    throw new Error(`resume: the checkpoint is at step ${o.resume.step}, past steps=${adamSteps}`);
  }
  const deadline = o.stopAfterSeconds === undefined ? Infinity : t0 + o.stopAfterSeconds * 1000;
  if (adamSteps > 0) {
    const resume = o.resume;
    const ctl = createWeightController(problem, net, c, weights, resume?.weighting);
    const monitor = createMonitor(problem, net, c);
    const backend = await createBackend(problem, net, c, params, (m) => o.onNote?.(m));
    let batchRng = resume?.batchRng ?? rng.state();
    let lrScale = resume?.lrScale ?? 1;
    let rollbacks = resume?.rollbacks ?? 0;
    const adaptive = createAdaptive(problem, net, c);
    let batches = sampleBatches(problem, c, rng, c.points, adaptive);
    /** Bring the loop back to a saved state (backend, weighting, RNG, batch); returns its step. */
    const restore = async (st: TrainState): Promise<number> => {
      await backend.restore(st.optimizer);
      // the checkpoint names the terms; the scheme gets the problem's own term objects back
      ctl.state = { ...st.weighting, terms: problem.terms };
      rng = new Rng(st.batchRng);
      batches = sampleBatches(problem, c, rng, c.points, adaptive);
      if (rng.state().some((v, i) => v !== st.rng[i])) {
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
      rng: rng.state(),
      batchRng,
      lrScale,
      rollbacks,
      wall_s: (performance.now() - t0) / 1000,
    });
    let k = 0;
    if (resume) {
      t0 -= resume.wall_s * 1000;
      k = await restore(resume);
      steps = k;
      while (history.length && history[history.length - 1].step >= k) history.pop();
    }
    // the rollback target: the newest checkpoint (the starting state until one is written)
    let last: TrainState = resume ?? (await snapshot(0));
    /** A non-finite loss or parameter: roll back with a smaller lr, or give up. */
    const divergence = async (what: string): Promise<boolean> => {
      if (rollbacks >= c.divergenceRetries) {
        status = "diverged";
        const tried =
          rollbacks > 0
            ? `after ${rollbacks} rollback(s) with the learning rate scaled by ${lrScale.toPrecision(3)}`
            : "with no rollbacks left (divergenceRetries=0)";
        message =
          `${what} at Adam step ${k}, ${tried}; try a smaller lr (now ${c.lr}), ` +
          `more warmup, or a smaller rollbackLrFactor`;
        return false;
      }
      rollbacks++;
      lrScale *= c.rollbackLrFactor;
      const event: RollbackEvent = { atStep: k, toStep: last.step, reason: what, lrScale };
      rollbackEvents.push(event);
      k = await restore(last);
      steps = k;
      while (history.length && history[history.length - 1].step >= k) history.pop();
      o.onRollback?.(event);
      return true;
    };
    const sched = { lr: c.lr, warmup: c.warmup, decayRate: c.decayRate, decaySteps: c.decaySteps };
    while (k < adamSteps) {
      if (performance.now() > deadline) {
        message = `stopped by the time budget after ${k} of ${adamSteps} Adam steps`;
        stoppedEarly = true;
        break;
      }
      // adaptive samplers: measure the residual on a candidate pool, then draw from it
      const adapt = adaptive !== null && k > 0 && k % c.adaptEvery === 0;
      if (adapt) await adaptive.refresh(backend.params(), rng);
      if (adapt || (k > 0 && c.resampleEvery > 0 && k % c.resampleEvery === 0)) {
        batchRng = rng.state();
        batches = sampleBatches(problem, c, rng, c.points, adaptive);
      }
      const lr = learningRate(sched, k) * lrScale;
      const w = { ...ctl.weights };
      const eps = causal?.eps ?? null;
      const stats = await backend.step(ctl.withPointWeights(batches), w, lr, eps);
      const { loss, terms } = unpack(stats);
      if (!Number.isFinite(loss)) {
        if (await divergence(`loss became ${loss}`)) continue;
        finalTerms = terms;
        break;
      }
      steps++;
      finalTerms = terms;
      let causalRecord: StepRecord["causal"];
      if (causalCfg && causal) {
        const chunks = causalChunks(problem, stats, c.causalChunks);
        // the schedule follows the first residual term (the only one in every built-in problem)
        causal = causalSchedule.update(causalCfg, causal, Object.values(chunks)[0]);
        causalRecord = { eps: eps ?? 0, chunks: {} };
        for (const [n, l] of Object.entries(chunks)) {
          causalRecord.chunks[n] = { loss: l, weight: causalWeightsOf(l, eps ?? 0) };
        }
      }
      if (k % c.logEvery === 0 || k === adamSteps - 1) {
        record({
          step: k,
          phase: "adam",
          loss,
          terms,
          lr,
          weights: w,
          wall_s: (performance.now() - t0) / 1000,
          ...(causalRecord ? { causal: causalRecord } : {}),
        });
      }
      await ctl.maybeUpdate(k + 1, terms, backend, batches);
      const diag = await monitor.maybeRecord(k + 1, backend, batches);
      if (diag.length) o.onDiagnostics?.(diag);
      k++;
      // checkpoint every checkpointEvery steps and when Adam ends (L-BFGS restarts from there)
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
    finalWeights = { ...ctl.weights };
    adaptive?.dispose();
    ctl.dispose();
    monitor.dispose();
    params = backend.params();
    backendKind = backend.kind;
    // a backend that offers an L-BFGS objective stays alive for that phase
    if (backend.objective) lbfgsBackend = backend;
    else backend.dispose();
  }

  if (status === "completed" && !stoppedEarly && c.optimizer !== "adam" && c.lbfgsSteps > 0) {
    const fullBatch = sampleBatches(problem, c, rng, c.lbfgsPoints);
    const [X, T] = uploadBatches(problem, fullBatch, c);
    // L-BFGS keeps the weights Adam ended with (fixed: the configured ones)
    const W = weightArrays(problem, finalWeights, c);
    const { flat: x0, layout } = await flattenParams(params);
    const toParams = (x: Float64Array): NetParams => unflattenParams(x, layout, c.precision);
    const lossFn = (p: NetParams, Xa: PointsByTerm, Ta: TargetsByTerm, Wa: WeightsByTerm) =>
      weightedLoss(problem, net, p, Xa, Ta, Wa);
    const lg = jit((p: NetParams, Xa: PointsByTerm, Ta: TargetsByTerm, Wa: WeightsByTerm) => {
      const [[total, parts], g] = valueAndGrad(lossFn, { hasAux: true })(p, Xa, Ta, Wa);
      const flat = tree.leaves(g).map((a) => a.reshape([-1]));
      return [np.stack([total, ...names.map((n) => parts[n])]), np.concatenate(flat, 0)] as [
        np.Array,
        np.Array,
      ];
    });
    let lastTerms: Record<string, number> = finalTerms;
    const adamDone = steps;
    const kernelObjective = lbfgsBackend?.objective?.(fullBatch, finalWeights);
    const result = await lbfgs(
      async (x) => {
        if (kernelObjective) {
          const { stats, g } = await kernelObjective(x);
          lastTerms = unpack(stats).terms;
          return { f: stats[0], g };
        }
        const [statsArr, gArr] = lg(toParams(x), tree.ref(X), tree.ref(T), tree.ref(W));
        const stats = await statsArr.data();
        const g = Float64Array.from(await gArr.data());
        lastTerms = unpack(stats).terms;
        return { f: stats[0], g };
      },
      x0,
      {
        maxIter: c.lbfgsSteps,
        history: c.lbfgsHistory,
        gradTol: 0,
        fTol: 0,
        onIter: (it, f) => {
          steps++;
          finalTerms = lastTerms;
          if (it % c.logEvery === 0 || it === c.lbfgsSteps - 1) {
            record({
              step: adamDone + it,
              phase: "lbfgs",
              loss: f,
              terms: lastTerms,
              lr: 0,
              weights: finalWeights,
              wall_s: (performance.now() - t0) / 1000,
            });
          }
          // the time budget (benchmark suite) ends L-BFGS too (false stops it)
          return performance.now() <= deadline;
        },
      },
    );
    if (result.reason === "nonFinite") {
      status = "diverged";
      message = "L-BFGS started from a non-finite loss";
    } else {
      tree.dispose(params);
      params = toParams(result.x);
      const why = result.reason === "stopped" ? "time budget" : result.reason;
      message = `L-BFGS stopped after ${result.iterations} iterations (${why})`;
    }
    lg.dispose();
    tree.dispose(X);
    tree.dispose(T);
    tree.dispose(W);
  }
  (lbfgsBackend as StepBackend | null)?.dispose();
  return {
    net,
    params,
    history,
    steps,
    wall_s: (performance.now() - t0) / 1000,
    status,
    message,
    finalTerms,
    finalWeights,
    backend: backendKind,
    rollbacks: rollbackEvents,
    problem,
    causal,
  };
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
