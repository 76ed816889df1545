/**
 * Optimiser phases: a run is a sequence of optimiser phases over the flat parameter vector, written
 * `optimizer=adam+ssbroyden`. A plan has at most one first-order phase, first: `adam` (Kingma & Ba
 * 2015) or `soap` (Vyas et al. 2024, Shampoo's eigenbasis + Adam), minibatch steps with resampling,
 * adaptive weights, causal weights, monitors and rollbacks; second-order phases (`lbfgs`, `bfgs`,
 * `ssbfgs`, `ssbroyden`, `lm`) run on a fixed point set that residual-based sampling redraws every
 * `redrawEvery` iterations (Urban, Stefanou & Pons, J. Comput. Phys. 2024).
 */
import type { TrainConfig } from "./config.js";

/** A first-order phase (minibatch steps with the step backend). */
export type FirstOrderKind = "adam" | "soap";
/** A second-order phase (fixed batches, line search or damping). */
export type SecondOrderKind = "lbfgs" | "bfgs" | "ssbfgs" | "ssbroyden" | "lm";
/** Any phase. */
export type PhaseKind = FirstOrderKind | SecondOrderKind;

/** Every phase name, first-order first. */
export const PHASE_KINDS: readonly PhaseKind[] = [
  "adam",
  "soap",
  "lbfgs",
  "bfgs",
  "ssbfgs",
  "ssbroyden",
  "lm",
];

/** True for the second-order phases. */
export function isSecondOrder(k: PhaseKind): k is SecondOrderKind {
  switch (k) {
    case "adam":
    case "soap":
      return false;
    case "lbfgs":
    case "bfgs":
    case "ssbfgs":
    case "ssbroyden":
    case "lm":
      return true;
    default: {
      const never: never = k;
      throw new Error(`unknown phase ${String(never)}`);
    }
  }
}

/**
 * Parse an optimiser plan: phase names joined by `+`, at most one first-order phase (`adam` or
 * `soap`) and only first, then second-order phases, each at most once.
 * @throws naming `optimizer`, e.g. "--set optimizer=adam+foo: unknown phase "foo" (phases: ...)"
 * @example parsePhases("adam+ssbroyden") // ["adam", "ssbroyden"]
 * @example parsePhases("soap+lbfgs") // ["soap", "lbfgs"]
 */
export function parsePhases(s: string): PhaseKind[] {
  const fail = (why: string): never => {
    throw new Error(`--set optimizer=${s}: ${why}`);
  };
  const parts = s.split("+").map((p) => p.trim());
  const out: PhaseKind[] = [];
  for (const p of parts) {
    if (!(PHASE_KINDS as readonly string[]).includes(p)) {
      fail(`unknown phase "${p}" (phases: ${PHASE_KINDS.join(", ")}, joined by +)`);
    }
    const k = p as PhaseKind;
    if (out.includes(k)) fail(`phase "${k}" appears twice`);
    if (!isSecondOrder(k) && out.some(isSecondOrder)) {
      fail(`first-order phase "${k}" after a second-order phase`);
    }
    const first = out.find((q) => !isSecondOrder(q));
    if (!isSecondOrder(k) && first !== undefined) {
      fail(`two first-order phases ("${first}" and "${k}"); a plan has at most one`);
    }
    out.push(k);
  }
  return out;
}

/** Iterations a phase runs under a configuration. */
export function phaseSteps(k: PhaseKind, c: TrainConfig): number {
  switch (k) {
    case "adam":
    case "soap":
      return c.steps;
    case "lbfgs":
      return c.lbfgsSteps;
    case "bfgs":
    case "ssbfgs":
    case "ssbroyden":
      return c.bfgsSteps;
    case "lm":
      return c.lmSteps;
    default: {
      const never: never = k;
      throw new Error(`unknown phase ${String(never)}`);
    }
  }
}

/** Residual points of a second-order phase's fixed batch. */
export function phasePoints(k: SecondOrderKind, c: TrainConfig): number {
  switch (k) {
    case "lbfgs":
      return c.lbfgsPoints;
    case "bfgs":
    case "ssbfgs":
    case "ssbroyden":
      return c.bfgsPoints;
    case "lm":
      return c.lmPoints;
    default: {
      const never: never = k;
      throw new Error(`unknown phase ${String(never)}`);
    }
  }
}

/** Total iterations of a configuration's plan (for progress bars). */
export function totalSteps(c: TrainConfig): number {
  return parsePhases(c.optimizer).reduce((s, k) => s + phaseSteps(k, c), 0);
}

/** Bytes of dense state a second-order phase keeps for P parameters and M residual rows. */
export function denseBytes(k: PhaseKind, P: number, M: number): number {
  switch (k) {
    case "adam":
    case "lbfgs":
      return 0;
    case "soap":
      // the Shampoo factors and eigenbases are [fanIn, fanIn] and [fanOut, fanOut] per layer,
      // far below P^2; not dense in the sense checked here
      return 0;
    case "bfgs":
    case "ssbfgs":
    case "ssbroyden":
      // the inverse Hessian, and its copy in a checkpoint
      return 2 * 8 * P * P;
    case "lm":
      // the Jacobian [M, P] (and its copy in a checkpoint), J'J, its damped copy and factor
      return 8 * (2 * M * P + 3 * P * P);
    default: {
      const never: never = k;
      throw new Error(`unknown phase ${String(never)}`);
    }
  }
}

/**
 * Check before training that the dense second-order state fits in `denseMemoryMB`.
 * @throws one line naming `optimizer` and the parameter count
 */
export function checkPhaseMemory(c: TrainConfig, P: number, M: number): void {
  const limit = c.denseMemoryMB * 2 ** 20;
  for (const k of parsePhases(c.optimizer)) {
    const need = denseBytes(k, P, M);
    if (need > limit) {
      const mb = (need / 2 ** 20).toFixed(0);
      throw new Error(
        `optimizer=${c.optimizer}: ${k} keeps dense matrices of ${mb} MB for ${P} parameters` +
          (k === "lm" ? ` and ${M} residual rows` : "") +
          ` (denseMemoryMB=${c.denseMemoryMB}); use lbfgs, a smaller network or fewer points`,
      );
    }
  }
}
