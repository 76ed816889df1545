/**
 * pinnlab's public surface: declare a PDE problem, train a physics-informed neural network on it
 * with Taylor-mode jets, and measure its error against a classical reference.
 *
 * @example
 * import { startEngine, PROBLEMS, resolveRun, train, predictGrid, relativeL2 } from "pinnlab";
 * await startEngine();
 * const run = resolveRun("convection", [["beta", 1]]);
 * const r = await train({ problem: run.problem, config: run.config, weights: run.weights });
 */
export { startEngine, type Precision } from "./engine/index.js";
export { box, interval, rectangle, timeSpace, linspace, tensorGrid } from "./geometry/box.js";
export type { Box, Face, Side } from "./geometry/box.js";
export {
  initial,
  initialRate,
  dirichlet,
  neumann,
  periodic,
  data,
  type Condition,
  type PointFn,
} from "./problem/conditions.js";
export {
  defineProblem,
  type Problem,
  type ProblemSpec,
  type ResidualContext,
  type ResidualFn,
  type EvalGrid,
  type Term,
} from "./problem/problem.js";
export { jetLayout, MAX_ORDER, type JetLayout, type MultiIndex } from "./jet/multiindex.js";
export { inputJet, type Jet, type Activation } from "./jet/jet.js";
export {
  createNetwork,
  type Network,
  type NetConfig,
  type NetParams,
  type Arch,
} from "./nets/network.js";
export { adamInit, adamUpdate, learningRate, type AdamState, type Schedule } from "./optim/adam.js";
export {
  lbfgs,
  lbfgsInit,
  lbfgsStep,
  lbfgsRebase,
  type LbfgsOptions,
  type LbfgsResult,
  type LbfgsState,
} from "./optim/lbfgs.js";
export {
  bfgsInit,
  bfgsStep,
  bfgsRebase,
  bfgsOptions,
  type BfgsState,
  type BfgsOptions,
  type BfgsVariant,
} from "./optim/bfgs.js";
export { lmInit, lmStep, lmRebase, lmOptions, type LmState, type LmOptions } from "./optim/lm.js";
export {
  soapInit,
  soapUpdate,
  soapOptions,
  type SoapState,
  type SoapOptions,
} from "./optim/soap.js";
export type { Objective, ResidualObjective } from "./optim/types.js";
export {
  parsePhases,
  totalSteps,
  type PhaseKind,
  type FirstOrderKind,
  type SecondOrderKind,
} from "./train/phases.js";
export { samplePoints, type SamplerKind } from "./sampling/samplers.js";
export {
  TRAIN_SCHEMA,
  applyOverrides,
  defaultTrainConfig,
  type TrainConfig,
} from "./train/config.js";
export {
  train,
  networkFor,
  type TrainResult,
  type StepRecord,
  type TrainOptions,
} from "./train/trainer.js";
export { predict, predictGrid, relativeL2 } from "./train/evaluate.js";
export { resolveRun, type ResolvedRun, type Override } from "./train/resolve.js";
export { PROBLEMS, getProblem, type BuiltinProblem, type ParamSpec } from "./problems/index.js";
export * as reference from "./reference/index.js";
export type { TrainState, OptimizerSnapshot, SecondOrderSnapshot } from "./train/state.js";
export type { RollbackEvent } from "./train/trainer.js";
export { openStore, type RunStore, type RunRow, type RunStatus } from "./store/db.js";
export { readCheckpoint, writeCheckpoint } from "./store/checkpoint.js";
export { StoreError } from "./store/errors.js";
export { buildReport, writeReport } from "./report/index.js";
export { PRESETS, presetOverrides, type PresetName } from "./problems/presets.js";
