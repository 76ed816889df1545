/**
 * Loss-term weighting: one configuration union, one factory with an exhaustive `never` check.
 *
 * | kind            | needs (besides losses)     | paper                                        |
 * | --------------- | -------------------------- | -------------------------------------------- |
 * | `fixed`         | nothing                    | hand-chosen constants                        |
 * | `gradnorm` lra  | gradStats (maxAbs, meanAbs)| Wang, Teng & Perdikaris 2021, Algorithm 1    |
 * | `gradnorm` norm | gradStats (norm)           | Wang, Sankaran, Wang & Perdikaris 2023 (jaxpi)|
 * | `ntk`           | ntkTraces                  | Wang, Yu & Perdikaris 2022, eq. 6.5          |
 * | `relobralo`     | nothing (losses only)      | Bischof & Kraus 2021                         |
 * | `self-adaptive` | pointResiduals2            | McClenny & Braga-Neto 2023                   |
 */
import { type FixedState, type FixedWeightingConfig, fixedWeighting } from "./fixed.js";
import {
  type GradNormWeightingConfig,
  type LraState,
  type NormState,
  lraWeighting,
  normWeighting,
  validateGradNormConfig,
} from "./gradnorm.js";
import { type NtkState, type NtkWeightingConfig, ntkWeighting, validateNtkConfig } from "./ntk.js";
import {
  type RelobraloConfig,
  type RelobraloState,
  relobraloWeighting,
  validateRelobraloConfig,
} from "./relobralo.js";
import {
  type SelfAdaptiveConfig,
  type SelfAdaptiveState,
  selfAdaptiveWeighting,
  validateSelfAdaptiveConfig,
} from "./selfAdaptive.js";
import type { Weighting } from "./types.js";

export * from "./types.js";
export * from "./fixed.js";
export * from "./gradnorm.js";
export * from "./ntk.js";
export * from "./relobralo.js";
export * from "./selfAdaptive.js";

/** Any weighting configuration (a discriminated union on `kind`). */
export type WeightingConfig =
  | FixedWeightingConfig
  | GradNormWeightingConfig
  | NtkWeightingConfig
  | RelobraloConfig
  | SelfAdaptiveConfig;

/** The kinds, for help texts and config validation. */
export const WEIGHTING_KINDS: readonly WeightingConfig["kind"][] = [
  "fixed",
  "gradnorm",
  "ntk",
  "relobralo",
  "self-adaptive",
];

/** Any scheme's state (a discriminated union on `kind`). */
export type WeightingState =
  FixedState | LraState | NormState | NtkState | RelobraloState | SelfAdaptiveState;

type StateKind = WeightingState["kind"];
type StateOf<K extends StateKind> = Extract<WeightingState, { kind: K }>;

function hasKind<K extends StateKind>(s: WeightingState, kind: K): s is StateOf<K> {
  return s.kind === kind;
}

/** View a scheme with a specific state as one over the state union, checking the state's kind. */
function widen<K extends StateKind>(kind: K, w: Weighting<StateOf<K>>): Weighting<WeightingState> {
  return {
    init: (terms, initialWeights) => w.init(terms, initialWeights),
    update(inputs, s) {
      if (!hasKind(s, kind)) {
        throw new Error(`weighting: a "${s.kind}" state was given to the "${kind}" scheme`);
      }
      return w.update(inputs, s);
    },
  };
}

/**
 * Check a configuration; the error names the offending field.
 * @example
 * validateWeightingConfig({ kind: "relobralo", temperature: 0 }); // throws "weighting.temperature ..."
 */
export function validateWeightingConfig(c: WeightingConfig): void {
  switch (c.kind) {
    case "fixed":
      return;
    case "gradnorm":
      return validateGradNormConfig(c);
    case "ntk":
      return validateNtkConfig(c);
    case "relobralo":
      return validateRelobraloConfig(c);
    case "self-adaptive":
      return validateSelfAdaptiveConfig(c);
    default: {
      const never: never = c;
      throw new Error(
        `weighting: unknown kind "${String((never as WeightingConfig).kind)}" (kinds: ${WEIGHTING_KINDS.join(", ")})`,
      );
    }
  }
}

/**
 * The scheme a configuration names. Each scheme's own factory (`lraWeighting`, ...) returns its
 * precise state type; this one returns the state union for code that picks the scheme at run time.
 * @example
 * const w = makeWeighting({ kind: "gradnorm", variant: "lra" });
 * let s = w.init(problem.terms, presetWeights);
 * [weights, s] = w.update({ step, losses, gradStats }, s);
 */
export function makeWeighting(c: WeightingConfig): Weighting<WeightingState> {
  switch (c.kind) {
    case "fixed":
      return widen("fixed", fixedWeighting(c));
    case "gradnorm":
      return c.variant === "lra"
        ? widen("lra", lraWeighting(c))
        : widen("grad-norm", normWeighting(c));
    case "ntk":
      return widen("ntk", ntkWeighting(c));
    case "relobralo":
      return widen("relobralo", relobraloWeighting(c));
    case "self-adaptive":
      return widen("self-adaptive", selfAdaptiveWeighting(c));
    default: {
      const never: never = c;
      throw new Error(
        `weighting: unknown kind "${String((never as WeightingConfig).kind)}" (kinds: ${WEIGHTING_KINDS.join(", ")})`,
      );
    }
  }
}

/**
 * The default configuration of a kind (`--set weighting=gradnorm` means learning-rate annealing).
 * @example
 * defaultWeightingConfig("gradnorm"); // { kind: "gradnorm", variant: "lra" }
 */
export function defaultWeightingConfig(kind: WeightingConfig["kind"]): WeightingConfig {
  switch (kind) {
    case "fixed":
      return { kind };
    case "gradnorm":
      return { kind, variant: "lra" };
    case "ntk":
      return { kind };
    case "relobralo":
      return { kind };
    case "self-adaptive":
      return { kind };
    default: {
      const never: never = kind;
      throw new Error(
        `weighting: unknown kind "${String(never)}" (kinds: ${WEIGHTING_KINDS.join(", ")})`,
      );
    }
  }
}
