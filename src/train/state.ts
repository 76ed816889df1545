/**
 * The training state a checkpoint holds: everything the optimiser phases need to continue bit for
 * bit as if they had never stopped. Parameters and Adam's moments are flat vectors in jax-js
 * `tree.leaves` order, stored as float64 (every float32 value is exact in float64, so nothing is
 * rounded); a second-order phase adds its own state (`SecondOrderSnapshot`).
 */
import type { SoapState } from "../optim/soap.js";
import type { RngState } from "../util/rng.js";
import type { SecondOrderKind } from "./phases.js";
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

/**
 * The state of a first-order phase that is not Adam (Adam's lives in `OptimizerSnapshot`): SOAP's
 * plain-data state (numbers, booleans, float64 arrays: the moments [P], the Shampoo factors and
 * their eigenbases, which the checkpoint file keeps in its binary section).
 */
export type FirstOrderSnapshot = { readonly kind: "soap"; readonly state: SoapState };

/** A term's fixed batch as a checkpoint keeps it: points [rows, dims] and targets [rows]. */
export interface SavedBatch {
  readonly X: Float64Array;
  readonly rows: number;
  readonly target: Float64Array | null;
}

/**
 * Where a second-order phase stood at a checkpoint: its optimiser's state (numbers, booleans and
 * float64 arrays: the dense inverse Hessian included), the fixed batches it was minimising over
 * (stored, since a residual-based redraw depends on the parameters of its time), and the term
 * weights it kept from the Adam phase.
 */
export interface SecondOrderSnapshot {
  /** Index of the phase in the plan (`parsePhases(optimizer)`). */
  readonly phase: number;
  readonly kind: SecondOrderKind;
  /** Iterations of this phase completed. */
  readonly iter: number;
  /** Global step of the phase's first iteration. */
  readonly stepBase: number;
  readonly state: Readonly<Record<string, number | boolean | Float64Array>>;
  readonly batches: Readonly<Record<string, SavedBatch>>;
  readonly weights: Readonly<Record<string, number>>;
}

/**
 * A checkpoint of a run, taken after `step` completed steps (first-order steps, then second-order
 * iterations). In a second-order phase `second` holds that phase's state, `optimizer.params` the
 * current parameters and `optimizer`'s moments are those Adam ended with. In a SOAP phase
 * `firstOrder` holds SOAP's state and `optimizer`'s Adam moments stay at their initial zeros.
 */
export interface TrainState {
  /** Steps completed over all phases (the index of the next step). */
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
  /** Present when the checkpoint was taken in a first-order phase other than Adam (SOAP). */
  readonly firstOrder?: FirstOrderSnapshot;
  /** Present when the checkpoint was taken in a second-order phase. */
  readonly second?: SecondOrderSnapshot;
}

/** True when every parameter and moment is finite (SOAP's moments too, when given). */
export function finiteSnapshot(s: OptimizerSnapshot, first?: FirstOrderSnapshot): boolean {
  const arrays = [s.params, s.mu, s.nu];
  if (first) arrays.push(first.state.m, first.state.v);
  for (const a of arrays) for (const v of a) if (!Number.isFinite(v)) return false;
  return true;
}
