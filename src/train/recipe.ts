/**
 * The default recipe: the training configuration a problem nobody tuned gets (issue 14), as plain
 * overrides of the vanilla defaults. It lives with training, below the zoo's presets
 * (src/problems/presets.ts re-exports it as `--preset default`), so that `train()` can fall back on
 * it without importing the command line's layers.
 */
import type { Problem } from "../problem/problem.js";
import { type TrainConfig, applyOverrides, defaultTrainConfig, TRAIN_SCHEMA } from "./config.js";

/**
 * The second-order recipe (issue 10; Urban, Stefanou & Pons, J. Comput. Phys. 2024; Kiyani et al.
 * 2025): a small float64 network (3 hidden layers of 20) on the fused float64 kernels, a short
 * Adam warm-up, then self-scaled Broyden with a strong-Wolfe line search on a fixed point set that
 * residual-based sampling redraws every 500 iterations. No adaptive weights.
 */
export const SECOND_ORDER = {
  precision: "float64",
  width: 20,
  depth: 3,
  optimizer: "adam+ssbroyden",
  steps: 2000,
  lr: 2e-3,
  bfgsPoints: 4096,
  redrawEvery: 500,
} as const;

/**
 * The default recipe's overrides, measured on `bench/unseen/` (docs/BENCHMARKS.md, "Problems
 * nobody tuned"): {@link SECOND_ORDER} with 2,000 SSBroyden iterations, and each output scaled by
 * the size of its field's condition values (`outputScale=data`, src/nets/scaling.ts).
 */
export const RECIPE_OVERRIDES = {
  ...SECOND_ORDER,
  bfgsSteps: 2000,
  outputScale: "data",
} as const;

/**
 * True when a problem's residual points can be redrawn by RAD (src/train/adaptive.ts): a box
 * domain, and no residual that integrates (its batch carries quadrature rows). Elsewhere the
 * default recipe keeps its second-order points fixed (`redrawEvery=0`).
 * @example canRedraw(getProblem("burgers").build({ nu: 0.01 / Math.PI })); // true
 */
export function canRedraw(problem: Problem): boolean {
  return !problem.domain.shape && !problem.terms.some((t) => t.quadratureNodes !== undefined);
}

/**
 * The default recipe as a whole configuration, with the caller's keys over it: what `train()`
 * uses when it is given no configuration or only some keys, and what `pinnlab train ./problem.ts`
 * uses when no preset is named. Given the problem, the RAD redraws are left out where they cannot
 * run ({@link canRedraw}) unless the caller set `redrawEvery`.
 * @param keys training keys over the recipe, each checked against the schema
 * @throws naming an unknown key or an invalid combination
 * @example const r = await train({ problem, config: defaultRecipeConfig(problem, { steps: 500 }) });
 */
export function defaultRecipeConfig(
  problem?: Problem,
  keys: Partial<TrainConfig> = {},
): TrainConfig {
  for (const k of Object.keys(keys)) {
    if (!Object.hasOwn(TRAIN_SCHEMA, k)) throw new Error(`config.${k}: unknown training key`);
  }
  const c = applyOverrides(defaultTrainConfig(), Object.entries(RECIPE_OVERRIDES));
  const fixed = problem && !canRedraw(problem) && keys.redrawEvery === undefined;
  return applyOverrides({ ...c, ...(fixed ? { redrawEvery: 0 } : {}), ...keys }, []);
}
