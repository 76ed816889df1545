/**
 * Setting a run up: the network a configuration calls for, the problem as trained (conditions
 * imposed exactly leave the loss), batches drawn from the seeded sampler, weight checks.
 */
import { type NetConfig, type Network, createNetwork } from "../nets/network.js";
import type { Problem, TermBatch } from "../problem/problem.js";
import { withBoundaryShare } from "../geometry/sample.js";
import { spatialInputs } from "../geometry/domain.js";
import type { Rng } from "../util/rng.js";
import type { Batches } from "./backend.js";
import type { AdaptiveHook } from "./adaptive.js";
import { sortByTime } from "../loss/causal.js";
import { constrainNetwork, hardPlan } from "../nets/constraints.js";
import { withCoefficients } from "../nets/coefficients.js";
import { outputScales, scaledTransform } from "../nets/scaling.js";
import { type TrainConfig, validateTrainConfig } from "./config.js";

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
  if (c.periodicSeam && periodicInputs.length === 0) {
    throw new Error(
      `periodicSeam: no periodic input is embedded (${problem.name} needs a periodic condition, and periodicEmbedding=true or the condition in hard)`,
    );
  }
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
      return { input: i, period: d.hi[i] - d.lo[i], ...(c.periodicSeam ? { seam: true } : {}) };
    }),
    fourier: c.fourier > 0 ? { features: c.fourier, scale: c.fourierScale } : null,
    rwf: c.rwf ? { mean: 1, std: 0.1 } : null,
    precision: c.precision,
  };
  const net = createNetwork(config, c.seed);
  const plan = hardPlan(problem, c.hard);
  // output scaling (src/nets/scaling.ts) sits beneath any hard-constraint transform
  const transform =
    c.outputScale === "data"
      ? scaledTransform(outputScales(problem), plan.transform, c.precision)
      : plan.transform;
  const constrained = transform ? constrainNetwork(net, transform) : net;
  // trainable PDE coefficients: extra leaves of the parameter tree, their own learning rate
  return withCoefficients(constrained, problem.coefficients ?? [], c.coefLr / c.lr);
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
  const share =
    c.boundaryFraction > 0 ? { fraction: c.boundaryFraction, band: c.boundaryBand } : undefined;
  if (share && spatialInputs(problem.domain).length === 0) {
    throw new Error(`boundaryFraction: ${problem.name} has no spatial input, so no boundary`);
  }
  for (const term of problem.terms) {
    const residual = term.kind === "residual";
    if (term.quadratureNodes && (adaptive || c.causal)) {
      throw new Error(
        `${term.name}: an integral residual's batch (points + quadrature rows) cannot be drawn adaptively or sorted for causal training`,
      );
    }
    let b: TermBatch;
    if (residual && adaptive) {
      // residual-adaptive points, then the boundary's share as for any residual batch
      b = adaptive.draw(term.name, rng, nResidual);
      if (share)
        b = { ...b, X: withBoundaryShare(problem.domain, b.X, b.rows, share, base, rng, false) };
    } else b = term.sample(rng, residual ? nResidual : c.bcPoints, base, share);
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
