/**
 * The state one training run shares between its optimiser phases (src/train/trainer.ts): the
 * prepared problem and network, the sampler's RNG, the clock and time budget, the records handed
 * out so far, and the outcome as it builds up. Phases read and advance it in order.
 */
import type { CausalState } from "../loss/causal.js";
import type { Network } from "../nets/network.js";
import type { Problem } from "../problem/problem.js";
import type { Rng } from "../util/rng.js";
import type { StepBackend } from "./backend.js";
import type { TrainConfig } from "./config.js";
import type { ErrorProbe } from "./evaluate.js";
import type { TrainState } from "./state.js";
import type { RollbackEvent, StepRecord, TrainOptions, TrainResult } from "./types.js";

/** Shared, mutable state of one run. */
export interface RunContext {
  readonly problem: Problem;
  readonly net: Network;
  readonly c: TrainConfig;
  readonly o: TrainOptions;
  /** Fixed weights per term as configured (conditions imposed exactly removed). */
  readonly weights: Readonly<Record<string, number>>;
  rng: Rng;
  /** performance.now() at the (virtual) start: a resumed run subtracts its saved wall time. */
  t0: number;
  /** performance.now() past which phases stop (the time budget), Infinity without one. */
  readonly deadline: number;
  /** Steps completed over all phases (Adam steps plus second-order iterations). */
  steps: number;
  readonly history: StepRecord[];
  status: TrainResult["status"];
  message: string;
  /** The time budget ended a phase: later phases do not run. */
  stoppedEarly: boolean;
  finalTerms: Record<string, number>;
  finalWeights: Record<string, number>;
  readonly rollbacks: RollbackEvent[];
  causal: CausalState | null;
  backendKind: TrainResult["backend"];
  /** A step backend kept alive for the second-order phases' objectives (null: none yet). */
  backend: StepBackend | null;
  /** The newest checkpoint-ready state of the Adam phase (carried into later checkpoints). */
  adamEnd: TrainState | null;
  /** Rel L2 against the reference (null without a reference or with evalEvery=0). */
  readonly probe: ErrorProbe | null;
}

/** Whether step `step` (global) of a phase whose last step is `last` gets an error evaluation. */
export function evalDue(ctx: RunContext, step: number, last: number): boolean {
  return ctx.probe !== null && (step % ctx.c.evalEvery === 0 || step === last);
}

/** Hand a record out and keep it. */
export function record(ctx: RunContext, r: StepRecord): void {
  ctx.history.push(r);
  ctx.o.onRecord?.(r);
}

/** Drop the records at or after `step` (a rollback or resume). */
export function truncateHistory(ctx: RunContext, step: number): void {
  while (ctx.history.length && ctx.history[ctx.history.length - 1].step >= step) ctx.history.pop();
}

/** Seconds since the run started. */
export function wallSeconds(ctx: RunContext): number {
  return (performance.now() - ctx.t0) / 1000;
}

/** The stats vector [total, per-term...] as a loss and a named record. */
export function unpackStats(
  problem: Problem,
  stats: ArrayLike<number>,
): { loss: number; terms: Record<string, number>; coefs?: Record<string, number> } {
  const terms: Record<string, number> = {};
  problem.termNames.forEach((n, i) => (terms[n] = stats[i + 1]));
  // trainable coefficients are the stats' last entries (src/loss/loss.ts statsVector)
  const cs = problem.coefficients ?? [];
  if (cs.length === 0) return { loss: stats[0], terms };
  const coefs: Record<string, number> = {};
  cs.forEach((c, i) => (coefs[c.name] = stats[stats.length - cs.length + i]));
  return { loss: stats[0], terms, coefs };
}
