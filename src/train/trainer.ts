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
import { createWeightController } from "./weights.js";
import { type TrainConfig, validateTrainConfig } from "./config.js";
import { type PointsByTerm, type TargetsByTerm, type WeightsByTerm, weightedLoss } from "./loss.js";

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
}

/** The network a problem and configuration call for. */
export function networkFor(problem: Problem, c: TrainConfig): Network {
  const d = problem.domain;
  const periodicInputs = c.periodicEmbedding
    ? [
        ...new Set(
          Object.values(problem.conditions).flatMap((k) =>
            k.kind === "periodic" ? [k.input] : [],
          ),
        ),
      ]
    : [];
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
  return createNetwork(config, c.seed);
}

/** Draw a host-side batch for every term (residual terms get nResidual points). */
export function sampleBatches(
  problem: Problem,
  c: TrainConfig,
  rng: Rng,
  nResidual: number,
): Batches {
  const out: Batches = {};
  for (const term of problem.terms) {
    out[term.name] = term.sample(rng, term.kind === "residual" ? nResidual : c.bcPoints, c.sampler);
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
  const { problem, config: c } = o;
  const weights = o.weights ?? {};
  validateWeights(problem, weights);
  validateTrainConfig(c);
  const net = networkFor(problem, c);
  const rng = new Rng(c.seed);
  let params = net.init(c.seed);
  const t0 = performance.now();
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
  if (adamSteps > 0) {
    const ctl = createWeightController(problem, net, c, weights);
    const monitor = createMonitor(problem, net, c);
    const backend = await createBackend(problem, net, c, params, (m) => o.onNote?.(m));
    let batches = sampleBatches(problem, c, rng, c.points);
    const sched = { lr: c.lr, warmup: c.warmup, decayRate: c.decayRate, decaySteps: c.decaySteps };
    for (let k = 0; k < adamSteps; k++) {
      if (k > 0 && c.resampleEvery > 0 && k % c.resampleEvery === 0) {
        batches = sampleBatches(problem, c, rng, c.points);
      }
      const lr = learningRate(sched, k);
      const w = { ...ctl.weights };
      const stats = await backend.step(ctl.withPointWeights(batches), w, lr);
      steps++;
      const { loss, terms } = unpack(stats);
      finalTerms = terms;
      if (!Number.isFinite(loss)) {
        status = "diverged";
        message = `loss became ${loss} at Adam step ${k}; try a smaller lr (now ${c.lr}) or more warmup`;
        break;
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
        });
      }
      await ctl.maybeUpdate(k + 1, terms, backend, batches);
      const diag = await monitor.maybeRecord(k + 1, backend, batches);
      if (diag.length) o.onDiagnostics?.(diag);
    }
    finalWeights = { ...ctl.weights };
    ctl.dispose();
    monitor.dispose();
    params = backend.params();
    backendKind = backend.kind;
    // a backend that offers an L-BFGS objective stays alive for that phase
    if (backend.objective) lbfgsBackend = backend;
    else backend.dispose();
  }

  if (status === "completed" && c.optimizer !== "adam" && c.lbfgsSteps > 0) {
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
        },
      },
    );
    if (result.reason === "nonFinite") {
      status = "diverged";
      message = "L-BFGS started from a non-finite loss";
    } else {
      tree.dispose(params);
      params = toParams(result.x);
      message = `L-BFGS stopped after ${result.iterations} iterations (${result.reason})`;
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
  };
}
