/**
 * What every example shares, written through pinnlab's public API only: the step budget (the
 * `PINNLAB_EXAMPLE_STEPS` environment variable shortens it; CI does), and the rel L2 error of a
 * trained network against its problem's reference grid (masked to the domain).
 */
import {
  type Problem,
  type TrainResult,
  domainMask,
  predictGrid,
  relativeL2,
} from "../src/index.js";

/** The Adam step budget: `PINNLAB_EXAMPLE_STEPS` if set, else the example's full budget. */
export function budget(full: number): number {
  return Number(process.env.PINNLAB_EXAMPLE_STEPS ?? full);
}

/** Scale a second-order phase's iterations with the budget (full at the full budget). */
export function scaled(full: number, steps: number, fullSteps: number): number {
  return Math.max(1, Math.round((full * steps) / fullSteps));
}

/** rel L2 error of the result on the problem's reference grid, per field and over all. */
export async function errors(
  problem: Problem,
  result: TrainResult,
): Promise<{ all: number; fields: Record<string, number> }> {
  const ref = problem.reference!();
  const mask = ref.mask ?? domainMask(problem.domain, ref.axes);
  const pred = await predictGrid(result.net, result.params, ref, problem.fields);
  const fields: Record<string, number> = {};
  for (const f of problem.fields)
    fields[f] = relativeL2({ [f]: pred.values[f] }, { [f]: ref.values[f] }, mask);
  return { all: relativeL2(pred.values, ref.values, mask), fields };
}
