/**
 * The trainer's side of the residual-adaptive samplers (src/sampling/adaptive.ts, Wu et al. 2023):
 * measures |r| of each residual term on a uniform candidate pool with jax-js (current parameters,
 * any backend) and keeps one sampler state per residual term; residual batches are then drawn from
 * those states. The states are plain data (`states`) for checkpoints.
 */
import { fromData, jit, np, tree } from "../engine/index.js";
import type { NetParams, Network } from "../nets/network.js";
import type { Problem, TermBatch } from "../problem/problem.js";
import {
  type AdaptiveConfig,
  type AdaptiveState,
  adaptiveSampler,
  drawAdaptive,
} from "../sampling/adaptive.js";
import { samplePoints } from "../sampling/samplers.js";
import type { Rng } from "../util/rng.js";
import type { TrainConfig } from "./config.js";
import { termResiduals } from "../loss/loss.js";

/** Adaptive residual sampling for one run. */
export interface AdaptiveHook {
  /** Sampler state per residual term (plain data). */
  readonly states: Readonly<Record<string, AdaptiveState>>;
  /** A residual batch of n points for a term, drawn from its state. */
  draw(term: string, rng: Rng, n: number): TermBatch;
  /** Measure the residuals on a fresh candidate pool and update every state (params consumed). */
  refresh(params: NetParams, rng: Rng): Promise<void>;
  dispose(): void;
}

/** The sampler settings of a configuration, or null when the sampler is not adaptive. */
export function adaptiveConfig(c: TrainConfig): AdaptiveConfig | null {
  switch (c.sampler) {
    case "rad":
      return { kind: "rad", k: c.radK, c: c.radC };
    case "rar":
      return { kind: "rar", add: c.rarAdd, max: Math.floor(c.points / 2) };
    case "uniform":
    case "lhs":
    case "sobol":
      return null;
    default: {
      const never: never = c.sampler;
      throw new Error(`unknown sampler ${String(never)}`);
    }
  }
}

/**
 * Build the hook for a run (null for non-adaptive samplers).
 * @example const a = createAdaptive(problem, net, { ...c, sampler: "rad" });
 */
export function createAdaptive(
  problem: Problem,
  net: Network,
  c: TrainConfig,
): AdaptiveHook | null {
  const cfg = adaptiveConfig(c);
  if (!cfg) return null;
  if (problem.domain.shape) {
    throw new Error(
      `sampler=${c.sampler}: adaptive samplers need a box domain (not a ${problem.domain.shape.kind})`,
    );
  }
  const { lo, hi } = problem.domain;
  const dims = lo.length;
  const residualTerms = problem.terms.filter((t) => t.kind === "residual");
  const states: Record<string, AdaptiveState> = {};
  for (const t of residualTerms) states[t.name] = adaptiveSampler.init(cfg);
  const probes = residualTerms.map((term) => {
    const view: Problem = { ...problem, terms: [term], termNames: [term.name] };
    return {
      term,
      fn: jit(
        (p: NetParams, X: np.Array) =>
          termResiduals(view, net, p, { [term.name]: X }, {})[term.name],
      ),
    };
  });
  return {
    states,
    draw(term, rng, n) {
      return { X: drawAdaptive(states[term], rng, n, lo, hi), rows: n, target: null };
    },
    async refresh(params, rng) {
      for (const { term, fn } of probes) {
        const X = samplePoints("uniform", rng, c.adaptPool, lo, hi);
        const r = await fn(tree.ref(params), fromData(X, [c.adaptPool, dims], c.precision)).data();
        states[term.name] = adaptiveSampler.update(cfg, states[term.name], X, r, dims);
      }
      tree.dispose(params);
    },
    dispose() {
      for (const p of probes) p.fn.dispose();
    },
  };
}
