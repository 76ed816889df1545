/**
 * The training loop: a run is a sequence of optimiser phases (src/train/phases.ts) over one
 * network: `adam` or `soap` on resampled minibatches (src/train/firstOrder.ts), then second-order phases on
 * fixed, residual-redrawn point sets (src/train/secondOrder.ts). Sampling happens in JS from a
 * seeded PRNG, so a run is a deterministic function of its configuration. One flat record per
 * logged step goes to `onRecord`; checkpoints go to `onCheckpoint`; nothing here writes files.
 *
 * Memory: each jitted call consumes the previous parameters and optimiser state, and the loop
 * reads one small stats array per step, so nothing accumulates (DESIGN.md, "Ownership").
 */
import { tree } from "../engine/index.js";
import { causalConfig, causalSchedule } from "../loss/causal.js";
import { Rng } from "../util/rng.js";
import { readCoefficients } from "../nets/coefficients.js";
import { runFirstOrder } from "./firstOrder.js";
import { errorProbe } from "./evaluate.js";
import type { RunContext } from "./context.js";
import { checkPhaseMemory, isSecondOrder, parsePhases, phasePoints } from "./phases.js";
import { runSecondOrder } from "./secondOrder.js";
import { defaultRecipeConfig } from "./recipe.js";
import { prepare, validateWeights } from "./setup.js";
import type { TrainOptions, TrainResult } from "./types.js";

export { networkFor, prepare, sampleBatches, validateWeights } from "./setup.js";
export type { RollbackEvent, StepRecord, TrainOptions, TrainResult } from "./types.js";

/**
 * Train a PINN for a problem: run the configuration's optimiser phases in order. Without a
 * configuration, or with only some keys, the rest comes from the default recipe (float64 3 x 20,
 * Adam then self-scaled Broyden on RAD points; Urban, Stefanou & Pons, J. Comput. Phys. 2024);
 * `defaultTrainConfig()` is the vanilla PINN.
 * @throws naming an unknown key or an invalid combination of keys, before anything trains
 * @example
 * const r = await train({ problem: burgers.build({ nu: 0.01 / Math.PI }) }); // the default recipe
 * const v = await train({ problem, config: defaultTrainConfig() }); // the vanilla PINN
 */
export async function train(o: TrainOptions): Promise<TrainResult> {
  const c = defaultRecipeConfig(o.problem, o.config);
  validateWeights(o.problem, o.weights ?? {});
  const { problem, net } = prepare(o.problem, c);
  const phases = parsePhases(c.optimizer);
  // weights of conditions imposed exactly no longer apply
  const weights = Object.fromEntries(
    Object.entries(o.weights ?? {}).filter(([k]) => problem.termNames.includes(k)),
  );
  let params = o.init ?? net.init(c.seed);
  const P = tree.leaves(params).reduce((a, l) => a + l.size, 0);
  const residualRows = Math.max(
    0,
    ...phases
      .filter(isSecondOrder)
      .map((k) => phasePoints(k, c) + c.bcPoints * problem.terms.length),
  );
  checkPhaseMemory(c, P, residualRows);
  const t0 = performance.now();
  const ctx: RunContext = {
    problem,
    net,
    c,
    o,
    weights,
    rng: new Rng(c.seed),
    t0,
    deadline: o.stopAfterSeconds === undefined ? Infinity : t0 + o.stopAfterSeconds * 1000,
    steps: 0,
    history: [],
    status: "completed",
    message: "",
    stoppedEarly: false,
    finalTerms: {},
    finalWeights: { ...weights },
    rollbacks: [],
    causal: c.causal ? causalSchedule.init(causalConfig(c)) : null,
    backendKind: "none",
    backend: null,
    adamEnd: null,
    probe: null,
  };
  if (c.evalEvery > 0 && problem.reference) {
    const ref = o.reference ?? problem.reference();
    Object.assign(ctx, { probe: errorProbe(net, ref, problem.fields) });
  }
  const resume = o.resume ?? null;
  const resumePhase = resume?.second?.phase ?? 0;
  if (resume?.second && resume.second.kind !== phases[resumePhase]) {
    throw new Error(
      `resume: the checkpoint is in phase ${resumePhase} (${resume.second.kind}), but optimizer=${c.optimizer}`,
    );
  }
  if (resume && !resume.second) {
    // a first-order checkpoint: SOAP's carries its state, Adam's none
    const saved = resume.firstOrder?.kind ?? "adam";
    if (phases[0] !== saved) {
      throw new Error(
        `resume: the checkpoint is in the ${saved} phase, but optimizer=${c.optimizer}`,
      );
    }
  }
  try {
    for (let i = 0; i < phases.length; i++) {
      if (ctx.status !== "completed" || ctx.stoppedEarly) break;
      if (i < resumePhase) continue;
      const kind = phases[i];
      const from = i === resumePhase ? resume : null;
      if (from?.second) ctx.rng = new Rng(from.rng);
      params = isSecondOrder(kind)
        ? await runSecondOrder(ctx, kind, i, params, from)
        : await runFirstOrder(ctx, kind, params, from);
    }
  } finally {
    ctx.backend?.dispose();
  }
  // the trainable coefficients' final values (inverse problems)
  const coefficients =
    ctx.status === "completed" ? ((await readCoefficients(net, params)) ?? {}) : {};
  return {
    config: c,
    net,
    params,
    coefficients,
    history: ctx.history,
    steps: ctx.steps,
    wall_s: (performance.now() - ctx.t0) / 1000,
    status: ctx.status,
    message: ctx.message,
    finalTerms: ctx.finalTerms,
    finalWeights: ctx.finalWeights,
    backend: ctx.backendKind,
    rollbacks: ctx.rollbacks,
    problem,
    causal: ctx.causal,
  };
}
