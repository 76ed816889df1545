/**
 * Loss-term weighting schemes as pure `{ init, update }` pairs (optax's GradientTransformation
 * pattern): `init` returns the scheme's state, `update` returns the new weights and the new state;
 * nothing is stored between calls, so a trainer can checkpoint the state and replay a run exactly.
 * The state of every scheme is plain JSON-ready data (numbers, records, typed arrays).
 *
 * A scheme updates whenever `update` is called; how often (every step, every 100 steps) is the
 * trainer's choice. Weights are JS numbers that enter the jitted step as array arguments.
 */
import type { GradSummary, TermInfo } from "../loss/gradients.js";

export type { GradSummary, TermInfo };

/** A weight per term name. */
export type TermWeights = Record<string, number>;

/**
 * What a scheme may read at an update. Each scheme documents what it needs and throws an error
 * naming the missing input (and term) when it is absent.
 */
export interface WeightingInputs {
  /** The training step (0-based) of this update. */
  readonly step: number;
  /** Unweighted mean-square loss per term (always required). */
  readonly losses: Readonly<Record<string, number>>;
  /** Gradient summary of each term's unweighted loss over all parameters (`gradientStats(...).terms`). */
  readonly gradStats?: Readonly<Record<string, GradSummary>>;
  /**
   * Tr(K_ii) per term (`makeNtkTraces`), or per-point means Tr(K_ii) / n_i: the NTK weights are
   * invariant to a common factor, and equally sized batches make the two agree.
   */
  readonly ntkTraces?: Readonly<Record<string, number>>;
  /**
   * Per-point squared residuals r_j^2 [n_i] of each self-adaptive term, at the points that carry
   * its per-point weights (self-adaptive only).
   */
  readonly pointResiduals2?: Readonly<Record<string, Float64Array>>;
}

/** What every scheme's state holds. */
export interface StateBase {
  /** The terms, in order, with their kinds. */
  readonly terms: readonly TermInfo[];
  /** The current weight of every term (what the next training steps use). */
  readonly weights: Readonly<TermWeights>;
  /** Updates applied so far. */
  readonly updates: number;
}

/**
 * A weighting scheme with state S.
 * @example
 * const w = gradNormWeighting({ kind: "gradnorm", variant: "lra" });
 * let s = w.init(problem.terms, { bc: 1 });
 * let weights: TermWeights;
 * [weights, s] = w.update({ step, losses, gradStats: stats.terms }, s);
 */
export interface Weighting<S extends StateBase> {
  /** Initial state; weights start at `initialWeights` (missing names weigh 1). */
  init(terms: readonly TermInfo[], initialWeights?: Readonly<Record<string, number>>): S;
  /** One update: [new weights, new state]. The state passed in is not modified. */
  update(inputs: WeightingInputs, state: S): [TermWeights, S];
}

/** Check and complete initial weights: finite, >= 0, only known term names, 1 where missing. */
export function initialWeightsFor(
  scheme: string,
  terms: readonly TermInfo[],
  initial: Readonly<Record<string, number>> = {},
): TermWeights {
  if (terms.length === 0) throw new Error(`weighting "${scheme}": no terms`);
  const names = terms.map((t) => t.name);
  for (const [k, v] of Object.entries(initial)) {
    if (!names.includes(k)) {
      throw new Error(
        `weighting "${scheme}": initial weight for unknown term "${k}" (terms: ${names.join(", ")})`,
      );
    }
    if (!Number.isFinite(v) || v < 0) {
      throw new Error(
        `weighting "${scheme}": initial weight of "${k}" must be finite and >= 0, got ${v}`,
      );
    }
  }
  const w: TermWeights = {};
  for (const n of names) w[n] = initial[n] ?? 1;
  return w;
}

/**
 * The named input, checked to hold a finite number for every listed term.
 * @throws an error naming the scheme, the missing input and, if so, the missing term
 */
export function requireInput(
  scheme: string,
  inputs: WeightingInputs,
  key: "losses" | "ntkTraces",
  names: readonly string[],
): Readonly<Record<string, number>> {
  const rec = inputs[key];
  if (!rec) throw new Error(`weighting "${scheme}" needs inputs.${key}; none was given`);
  for (const n of names) {
    const v = rec[n];
    if (v === undefined)
      throw new Error(`weighting "${scheme}": inputs.${key} has no entry for term "${n}"`);
    if (!Number.isFinite(v)) throw new Error(`weighting "${scheme}": inputs.${key}.${n} is ${v}`);
  }
  return rec;
}

/** inputs.gradStats, checked to hold finite summaries for every listed term. */
export function requireGradStats(
  scheme: string,
  inputs: WeightingInputs,
  names: readonly string[],
): Readonly<Record<string, GradSummary>> {
  const rec = inputs.gradStats;
  if (!rec) {
    throw new Error(
      `weighting "${scheme}" needs inputs.gradStats (per-term gradient norm, maxAbs, meanAbs from gradientStats); none was given`,
    );
  }
  for (const n of names) {
    const s = rec[n];
    if (!s) throw new Error(`weighting "${scheme}": inputs.gradStats has no entry for term "${n}"`);
    if (![s.norm, s.maxAbs, s.meanAbs].every(Number.isFinite)) {
      throw new Error(`weighting "${scheme}": inputs.gradStats.${n} is not finite`);
    }
  }
  return rec;
}

/** Check that a number lies in [lo, hi] (or (lo, hi] with `openLo`), naming the config field. */
export function checkRange(field: string, v: number, lo: number, hi: number, openLo = false): void {
  const ok = Number.isFinite(v) && (openLo ? v > lo : v >= lo) && v <= hi;
  if (!ok)
    throw new Error(`weighting.${field} must be in ${openLo ? "(" : "["}${lo}, ${hi}], got ${v}`);
}
