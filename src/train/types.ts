/**
 * What training hands out: one flat record per logged step, rollback events, the result, and the
 * options of `train` (src/train/trainer.ts). Plain data: the CLI, store, report and dashboard
 * render these records; the loop never writes files.
 */
import type { NetParams, Network } from "../nets/network.js";
import type { EvalGrid, Problem } from "../problem/problem.js";
import type { CausalState } from "../loss/causal.js";
import type { DiagnosticRecord } from "./monitor.js";
import type { TrainConfig } from "./config.js";
import type { PhaseKind } from "./phases.js";
import type { TrainState } from "./state.js";

/** One logged step: flat, JSON-ready. */
export interface StepRecord {
  step: number;
  /** The optimiser phase that took this step (src/train/phases.ts). */
  phase: PhaseKind;
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
  /** Rel L2 against the problem's reference on a thinned grid (every `evalEvery` steps). */
  rel_l2?: number;
  /** Curriculum stage or time-marching window this step belongs to (src/train/run.ts). */
  stage?: number;
  /** Trainable PDE coefficients' values at this step (inverse problems). */
  coefs?: Record<string, number>;
}

/** What `train` returns. */
export interface TrainResult {
  /** The configuration trained (the options' keys over the default recipe). */
  config: TrainConfig;
  net: Network;
  params: NetParams;
  history: StepRecord[];
  /** First-order steps plus second-order iterations actually run. */
  steps: number;
  wall_s: number;
  status: "completed" | "diverged";
  message: string;
  /** The step backend that ran ("none" when no phase built one). */
  backend: "jax" | "kernels" | "none";
  /** Unweighted loss per term at the end. */
  finalTerms: Record<string, number>;
  /** Loss weight per term at the end (the adaptive schemes' last update). */
  finalWeights: Record<string, number>;
  /** Rollbacks after non-finite losses or parameters, in order. */
  rollbacks: RollbackEvent[];
  /** The problem as trained: conditions imposed exactly (`hard`) are no longer loss terms. */
  problem: Problem;
  /** The trainable coefficients' final values (empty without any). */
  coefficients: Record<string, number>;
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
  /**
   * The training configuration: a whole one (e.g. `defaultTrainConfig()`, the vanilla PINN), some
   * keys over the default recipe (`{ steps: 500 }`), or nothing for the default recipe itself
   * (src/train/recipe.ts, issue 14).
   */
  config?: Partial<TrainConfig>;
  /** Fixed weight per term name (missing names weigh 1). */
  weights?: Readonly<Record<string, number>>;
  onRecord?: (r: StepRecord) => void;
  /** One-line notes about choices made for the user (e.g. a backend fallback). */
  onNote?: (msg: string) => void;
  /** Diagnostics records (gradient statistics, NTK spectra) as they are measured. */
  onDiagnostics?: (records: DiagnosticRecord[]) => void;
  /**
   * Receives a checkpoint every `checkpointEvery` steps and when each phase ends (awaited, so the
   * caller can write it before training goes on).
   */
  onCheckpoint?: (state: TrainState) => void | Promise<void>;
  /** Told about each rollback; records logged after `toStep` are void from then on. */
  onRollback?: (e: RollbackEvent) => void;
  /** Continue from a checkpoint (made with the same problem and configuration). */
  resume?: TrainState;
  /** Stop training after this much wall time (later phases are skipped); the run still completes. */
  stopAfterSeconds?: number;
  /**
   * The problem's reference grid, when the caller has computed it already (else `train` computes
   * it once for `evalEvery`).
   */
  reference?: EvalGrid;
  /** Warm start: initial parameters (consumed) instead of a fresh initialisation. */
  init?: NetParams;
}
