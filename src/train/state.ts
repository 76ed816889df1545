/**
 * The training state a checkpoint holds: everything the Adam loop needs to continue bit for bit as
 * if it had never stopped. Parameters and Adam's moments are flat vectors in jax-js `tree.leaves`
 * order, stored as float64 (every float32 value is exact in float64, so nothing is rounded).
 *
 * Rule for L-BFGS: checkpoints are taken only during the Adam phase, plus one when Adam ends.
 * L-BFGS runs on a fixed batch drawn from the saved RNG state, so a run resumed in (or before) its
 * L-BFGS phase restarts that phase deterministically from the saved post-Adam state.
 */
import type { RngState } from "../util/rng.js";
import type { WeightingState } from "../weighting/index.js";

/** Adam's state over flat parameters. */
export interface OptimizerSnapshot {
  /** Parameters [P]. */
  readonly params: Float64Array;
  /** First and second moments [P]. */
  readonly mu: Float64Array;
  readonly nu: Float64Array;
  /** Adam steps taken and the running products b1^t, b2^t (float32 values when training in float32). */
  readonly count: number;
  readonly b1t: number;
  readonly b2t: number;
}

/** A checkpoint of the Adam loop, taken after `step` completed steps. */
export interface TrainState {
  /** Adam steps completed (the index of the next step). */
  readonly step: number;
  readonly optimizer: OptimizerSnapshot;
  /** The weighting scheme's state (JSON-ready; typed arrays allowed). */
  readonly weighting: WeightingState;
  /** The sampler's RNG now, and before it drew the batch in use (to draw it again on resume). */
  readonly rng: RngState;
  readonly batchRng: RngState;
  /** Product of the rollback factors applied so far (multiplies the schedule's learning rate). */
  readonly lrScale: number;
  /** Rollbacks so far (counts against `divergenceRetries`). */
  readonly rollbacks: number;
  /** Training wall time up to this checkpoint. */
  readonly wall_s: number;
}

/** True when every parameter and moment is finite. */
export function finiteSnapshot(s: OptimizerSnapshot): boolean {
  for (const a of [s.params, s.mu, s.nu]) for (const v of a) if (!Number.isFinite(v)) return false;
  return true;
}
