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
export {
  box,
  interval,
  rectangle,
  timeSpace,
  linspace,
  tensorGrid,
  spatialFaces,
} from "./geometry/box.js";
export type { Box, Face, Side } from "./geometry/box.js";
export {
  disk,
  ellipse,
  polygon,
  triangle,
  sphere,
  cuboid,
  union,
  difference,
  intersection,
  inDomain,
  selectPieces,
  spatialShape,
  type Domain,
  type Shape,
  type BoundaryPiece,
} from "./geometry/domain.js";
export {
  sampleInterior,
  sampleBoundary,
  withBoundaryShare,
  type BoundarySample,
  type BoundaryShare,
} from "./geometry/sample.js";
export {
  initial,
  initialRate,
  dirichlet,
  neumann,
  robin,
  boundaryOperator,
  periodic,
  data,
  type Condition,
  type On,
  type BoundaryContext,
  type PointFn,
} from "./problem/conditions.js";
export {
  defineProblem,
  evaluationAxes,
  domainMask,
  type Problem,
  type ProblemSpec,
  type ResidualContext,
  type ResidualFn,
  type EvalGrid,
  type Term,
} from "./problem/problem.js";
export {
  Value,
  type Operand,
  sin,
  cos,
  tan,
  exp,
  log,
  sqrt,
  tanh,
  sinh,
  cosh,
  abs,
  add,
  sub,
  mul,
  div,
  neg,
  pow,
} from "./problem/maths.js";
export { smooth, type SmoothExpr, type SmoothOps } from "./problem/smooth.js";
export { param, Coefficient, type CoefficientOptions } from "./problem/coefficients.js";
export { problemFactory, type ProblemFactorySpec } from "./problems/factory.js";
export { jetLayout, MAX_ORDER, type JetLayout, type MultiIndex } from "./jet/multiindex.js";
export { inputJet, type Jet, type Activation } from "./jet/jet.js";
export {
  createNetwork,
  type Network,
  type NetConfig,
  type NetParams,
  type Arch,
  type PeriodicInput,
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
  type LbfgsStopReason,
} from "./optim/lbfgs.js";
export {
  bfgsInit,
  bfgsStep,
  bfgsRebase,
  bfgsOptions,
  type BfgsState,
  type BfgsOptions,
  type BfgsVariant,
  type BfgsStepInfo,
  type BfgsStopReason,
} from "./optim/bfgs.js";
export {
  lmInit,
  lmStep,
  lmRebase,
  lmOptions,
  type LmState,
  type LmOptions,
  type LmStepInfo,
  type LmStopReason,
  type LmScaling,
  type LmInitialDamping,
} from "./optim/lm.js";
export {
  soapInit,
  soapUpdate,
  soapOptions,
  type SoapState,
  type SoapOptions,
  type SoapRefresh,
  type SoapBlock,
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
export {
  loadModel,
  checkModel,
  MODEL_FORMAT,
  MODEL_VERSION,
  type ModelJson,
  type ModelLayer,
  type ModelExprNode,
  type ModelTransform,
  type ModelEmbedding,
  type LoadedModel,
} from "./export/model.js";
export { exportModel, ExportError, type ExportInfo } from "./export/build.js";
export { modelToOnnx, ONNX_OPSET } from "./export/onnx.js";
export { resolveRun, commandPreset, type ResolvedRun, type Override } from "./train/resolve.js";
export { trainRun, type RunOutcome, type RunHooks } from "./train/run.js";
export type { Window } from "./train/marching.js";
export { PROBLEMS, getProblem, type BuiltinProblem, type ParamSpec } from "./problems/index.js";
export * as reference from "./reference/index.js";
export type {
  TrainState,
  OptimizerSnapshot,
  SecondOrderSnapshot,
  SavedBatch,
  FirstOrderSnapshot,
} from "./train/state.js";
export { soapBlocks } from "./train/firstOrder.js";
export type { RollbackEvent } from "./train/trainer.js";
export {
  openStore,
  type RunStore,
  type RunRow,
  type RunStatus,
  type SweepJobRow,
  type SweepJobState,
  type SweepRow,
} from "./store/db.js";
export { readCheckpoint, writeCheckpoint } from "./store/checkpoint.js";
export { StoreError } from "./store/errors.js";
export { buildReport, writeReport } from "./report/index.js";
export {
  PRESETS,
  DEFAULT_RECIPE,
  defaultRecipeConfig,
  canRedraw,
  presetOverrides,
  type PresetName,
  type Preset,
} from "./problems/presets.js";
// types that the public signatures above refer to
export type {
  DataCondition,
  DirichletCondition,
  InitialCondition,
  NeumannCondition,
  PeriodicCondition,
} from "./problem/conditions.js";
export type { TermBatch, TermKind } from "./problem/problem.js";
export type { Channel } from "./jet/jet.js";
export type { FdbTerm, LeibnizTerm } from "./jet/multiindex.js";
export type { Dense, Init, NetConstants } from "./nets/network.js";
export type { OutputTransform, FieldTransform } from "./nets/constraints.js";
export type { AdamOptions } from "./optim/adam.js";
export type { KeySpec } from "./train/config.js";
export type { CausalState } from "./loss/causal.js";
export type { DiagnosticRecord } from "./train/monitor.js";
export type {
  WeightingState,
  FixedState,
  LraState,
  NormState,
  NtkState,
  RelobraloState,
  SelfAdaptiveState,
  TermWeights,
} from "./weighting/index.js";
export type { TermInfo } from "./loss/gradients.js";
export type { PresetOverrides } from "./problems/presets.js";
export { Rng, type RngState } from "./util/rng.js";
export type { RunEvent, RunFilter, RunUpdate } from "./store/db.js";
export type { RobinCondition, OperatorCondition } from "./problem/conditions.js";
export type { Scope } from "./problem/maths.js";
export type { SmoothFn } from "./problem/smooth.js";
export type { ShapeOptions } from "./geometry/shapes.js";
export type { BoundarySelector } from "./geometry/domain.js";
