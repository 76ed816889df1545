/**
 * Curriculum regularisation (Krishnapriyan, Gholami, Zhe, Kirby & Mahoney, "Characterizing possible
 * failure modes in physics-informed neural networks", NeurIPS 2021, section 4.1): train first at a
 * small value of the parameter that makes the problem hard (convection speed beta, reaction rate
 * rho, diffusion nu), then warm-start training at growing values up to the target. Each stage is a
 * full `train` call whose initial parameters are the previous stage's result.
 */
import type { TrainConfig } from "./config.js";

/** One stage of a curriculum: the parameter value and the Adam steps it trains. */
export interface CurriculumStage {
  readonly index: number;
  readonly value: number;
  readonly steps: number;
}

/**
 * The stages from `curriculumStart` to the target value, evenly spaced, `curriculumStages` of them
 * (the last is the target); every stage but the last trains `curriculumSteps` Adam steps (0: the
 * run's `steps`), the last trains `steps`.
 * @example curriculumStages(30, { curriculumStart: 1, curriculumStages: 3, curriculumSteps: 500, steps: 2000 })
 * // [{index 0, value 1, steps 500}, {index 1, value 15.5, steps 500}, {index 2, value 30, steps 2000}]
 */
export function curriculumStages(
  target: number,
  c: Pick<TrainConfig, "curriculumStart" | "curriculumStages" | "curriculumSteps" | "steps">,
): CurriculumStage[] {
  const n = c.curriculumStages;
  const early = c.curriculumSteps > 0 ? c.curriculumSteps : c.steps;
  return Array.from({ length: n }, (_, i) => ({
    index: i,
    value: n === 1 ? target : c.curriculumStart + ((target - c.curriculumStart) * i) / (n - 1),
    steps: i === n - 1 ? c.steps : early,
  }));
}
