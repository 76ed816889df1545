/**
 * Training configuration: one flat, typed record with a schema that documents every key, its type
 * and its default. The CLI's `--set key=value` and presets go through `applyOverrides`, which
 * rejects unknown keys and ill-typed values with the key named. Problem parameters (beta, rho, ...)
 * live beside the training keys in the same namespace; per-term weights are `w.<term>`.
 */

import { isSecondOrder, parsePhases, phasePoints } from "./phases.js";

/**
 * SOAP's default decays: Adam's (0.9, 0.999), the Shampoo factors decaying like b2, so SOAP is
 * Adam in a rotated basis. The reference's 0.95 / 0.95 reached a 2x higher loss in a measurement
 * (helmholtz2d a2=1, 2 x 16 tanh, 300 steps at lr 1e-2: 0.35 vs 0.18).
 */
const B1 = 0.9;
const B2 = 0.999;
const SHAMPOO = 0.999;

/** Every training option. */
export interface TrainConfig {
  arch: "mlp" | "modified-mlp";
  width: number;
  depth: number;
  activation: "tanh" | "sin" | "gelu";
  /** Weight initialisation (see NetConfig.init). */
  init: "glorot" | "ntk";
  /** Random Fourier features (count; 0 = off) and their scale. */
  fourier: number;
  fourierScale: number;
  /** Exact periodicity through the periodic embedding for every periodic condition's input. */
  periodicEmbedding: boolean;
  /**
   * With the periodic embedding: add the seam feature sin(pi (x - lo) / P) per periodic input
   * (src/nets/network.ts, `PeriodicInput`), so the network's slope may jump at the ends of the
   * period while its values stay exactly periodic.
   */
  periodicSeam: boolean;
  /** Random weight factorisation (Wang et al. 2022). */
  rwf: boolean;
  /**
   * Output scaling (src/nets/scaling.ts): `data` multiplies each field's raw output by the largest
   * |value| of its Dirichlet, initial and observed values (nondimensionalisation), `none` leaves it.
   */
  outputScale: "none" | "data";
  /**
   * Optimiser phases joined by `+` (src/train/phases.ts): at most one first-order phase, `adam` or
   * `soap`, then any of `lbfgs`, `bfgs`, `ssbfgs`, `ssbroyden`, `lm`; e.g. "adam+ssbroyden",
   * "soap+ssbroyden".
   */
  optimizer: string;
  /** Steps of the first-order phase (adam or soap); `lr` and the schedule keys apply to it. */
  steps: number;
  lr: number;
  /**
   * Learning rate of the trainable PDE coefficients (inverse problems): their raw leaves are
   * scaled by coefLr / lr (src/nets/coefficients.ts).
   */
  coefLr: number;
  warmup: number;
  decayRate: number;
  decaySteps: number;
  /**
   * SOAP (src/optim/soap.ts, Vyas et al. 2024): Adam's decays b1, b2 inside the rotated basis, the
   * decay of the Shampoo factors L = EMA(G G^T), R = EMA(G^T G), the steps between eigenbasis
   * refreshes, and how a refresh is computed.
   */
  soapB1: number;
  soapB2: number;
  soapShampooBeta: number;
  soapPrecondEvery: number;
  soapRefresh: "powerQr" | "eigh";
  /** L-BFGS iterations (for optimizer lbfgs or adam+lbfgs) and its full-batch size. */
  lbfgsSteps: number;
  lbfgsPoints: number;
  lbfgsHistory: number;
  /** Dense quasi-Newton phases (bfgs, ssbfgs, ssbroyden): iterations and residual points. */
  bfgsSteps: number;
  bfgsPoints: number;
  /** Levenberg-Marquardt: iterations, residual points, initial damping tau (mu0 = tau max diag J'J). */
  lmSteps: number;
  lmPoints: number;
  lmDamping: number;
  /**
   * Second-order phases: redraw the fixed point set by residual-based sampling (RAD) every k
   * iterations (0: keep it), from a pool of `redrawPool` candidates.
   */
  redrawEvery: number;
  redrawPool: number;
  /** Largest dense optimiser state (inverse Hessian, Jacobian) allowed, in MB. */
  denseMemoryMB: number;
  /** Residual points per step and points per condition term per step. */
  points: number;
  bcPoints: number;
  /**
   * Fraction of every residual batch, and of every initial condition's batch, drawn on the
   * spatial boundary instead of inside (uniform over its pieces; in time for residuals, at the
   * initial time for initial conditions), so the equation also holds where the conditions act
   * and the initial state is fitted where it meets them; DeepXDE's PDE points include its
   * boundary points likewise. Where a kinked initial state rounds off at a periodic seam, the
   * seam's points fix the corner (docs/BENCHMARKS.md, Allen-Cahn). 0: interior points only.
   */
  boundaryFraction: number;
  /**
   * With `boundaryFraction`: each such point moves inward along the boundary's normal by a
   * distance uniform in [0, boundaryBand] (input units), so the points fill a band where a thin
   * layer lies (kept on the boundary where the move would leave the domain). 0: on the boundary.
   */
  boundaryBand: number;
  /**
   * Point sampler. `rad` and `rar` make the residual points adaptive (src/sampling/adaptive.ts:
   * residual-based adaptive distribution and refinement, Wu et al. 2023); condition points are
   * then drawn uniformly.
   */
  sampler: "uniform" | "lhs" | "sobol" | "rad" | "rar";
  /** Adaptive samplers: steps between residual measurements, and the candidate pool's size. */
  adaptEvery: number;
  adaptPool: number;
  /** RAD's p(x) ~ |r|^k / mean |r|^k + c. */
  radK: number;
  radC: number;
  /** RAR: points added per refinement (the added set is capped at half the residual batch). */
  rarAdd: number;
  /** Draw new points every k Adam steps (0: keep the first batch). */
  resampleEvery: number;
  precision: "float32" | "float64";
  /** Loss weighting scheme (src/weighting) and how often it updates the weights. */
  weighting: "fixed" | "gradnorm" | "gradnorm-jaxpi" | "ntk" | "relobralo" | "self-adaptive";
  /** Ascent rate of the self-adaptive per-point weights. */
  saLr: number;
  weightEvery: number;
  /** Log per-term gradient statistics / NTK spectra every k Adam steps (0 = never). */
  diagEvery: number;
  ntkEvery: number;
  /** Who runs the network's jets and the Adam step: fused wasm kernels, jax-js, or kernels where supported. */
  backend: "auto" | "kernels" | "jax";
  /** Causal training (src/loss/causal.ts): on/off, time chunks, tolerance and its schedule. */
  causal: boolean;
  causalChunks: number;
  causalEps: number;
  causalEpsMax: number;
  causalGrowth: number;
  causalThreshold: number;
  /** Conditions imposed exactly (src/nets/constraints.ts), by name; they leave the loss. */
  hard: readonly string[];
  /**
   * Curriculum regularisation (src/train/curriculum.ts): the problem parameter to ramp ("none":
   * off), its first value, the number of stages, and Adam steps of each stage before the last
   * (0: `steps`).
   */
  curriculum: string;
  curriculumStart: number;
  curriculumStages: number;
  curriculumSteps: number;
  /** Time marching (src/train/marching.ts): windows over [t0, t1] (1: off), IC grid points. */
  windows: number;
  windowGrid: number;
  /**
   * Each window's length over the previous one's (1: equal windows). Above 1 the windows are
   * graded towards the start time, where rough initial data leave a thin initial layer
   * (`windowBounds` in src/train/marching.ts).
   */
  windowRatio: number;
  /**
   * How a window after the first starts (src/nets/reexpress.ts): `extrapolate` re-expresses the
   * previous window's network on the new time range, so it starts from that network's forward
   * extrapolation; `copy` reuses its parameters as they are (the new range is normalised afresh,
   * so it starts from the previous window's start state).
   */
  windowInit: "extrapolate" | "copy";
  /**
   * First-order steps in each window after the first (-1: `steps`). A window that starts from
   * the previous network's extrapolation is already close; Adam's first steps (of size ~lr in
   * every parameter, whatever the gradient) mostly undo that, so second-order recipes skip them.
   */
  windowSteps: number;
  /**
   * Quasi-Newton iterations (bfgs/ssbfgs/ssbroyden) in each window after the first (-1:
   * `bfgsSteps`). Where the first window starts from a hard initial state (Allen-Cahn's kink at
   * x = +-1) it needs more iterations than the later ones, which start near their answer.
   */
  windowBfgsSteps: number;
  /**
   * Points of the quasi-Newton phase in each window after the first (-1: `bfgsPoints`): the
   * first window's kinked start needs denser points than the smooth later ones.
   */
  windowBfgsPoints: number;
  /**
   * RAD redraws of the quasi-Newton points in each window after the first (-1: `redrawEvery`):
   * the later windows' fronts call for points where the residual is, the first window's kinked
   * start (a residual singular at a corner) does not.
   */
  windowRedrawEvery: number;
  /**
   * Autopilot (`pinnlab train`, src/cli/autopilot.ts): train `autoSteps` first-order steps, run
   * the doctor's checks, apply the fix each detected finding names, then train the run.
   */
  auto: boolean;
  autoSteps: number;
  seed: number;
  logEvery: number;
  /**
   * Record the rel L2 error against the problem's reference every k steps (on logged steps and
   * at each phase's end; 0 = never), for the report's error against wall time.
   */
  evalEvery: number;
  /** Checkpoint the training state every k Adam steps (0 = never; needs a run directory). */
  checkpointEvery: number;
  /** Rollbacks to the last checkpoint after a non-finite loss or parameter before giving up. */
  divergenceRetries: number;
  /** Learning-rate factor applied at each rollback (in (0, 1)). */
  rollbackLrFactor: number;
}

/** A schema entry: type, default and a one-line description. */
export type KeySpec =
  | { kind: "int"; min: number; default: number; doc: string }
  | {
      kind: "number";
      min?: number;
      max?: number;
      positive?: boolean;
      default: number;
      doc: string;
    }
  | { kind: "bool"; default: boolean; doc: string }
  | { kind: "enum"; choices: readonly string[]; default: string; doc: string }
  | { kind: "list"; default: readonly string[]; doc: string }
  | { kind: "string"; default: string; doc: string }
  | { kind: "phases"; default: string; doc: string };

/** The schema of {@link TrainConfig}. */
export const TRAIN_SCHEMA: { readonly [K in keyof TrainConfig]: KeySpec } = {
  arch: { kind: "enum", choices: ["mlp", "modified-mlp"], default: "mlp", doc: "network body" },
  width: { kind: "int", min: 1, default: 64, doc: "hidden width" },
  depth: { kind: "int", min: 1, default: 4, doc: "hidden layers" },
  activation: {
    kind: "enum",
    choices: ["tanh", "sin", "gelu"],
    default: "tanh",
    doc: "activation",
  },
  init: {
    kind: "enum",
    choices: ["glorot", "ntk"],
    default: "glorot",
    doc: "initialisation (ntk: W ~ N(0, 1/fan_in), b ~ N(0, 1), Wang, Yu & Perdikaris 2022)",
  },
  fourier: { kind: "int", min: 0, default: 0, doc: "random Fourier features (0 = off)" },
  fourierScale: { kind: "number", positive: true, default: 1, doc: "Fourier feature scale sigma" },
  periodicEmbedding: { kind: "bool", default: false, doc: "exact periodicity by embedding" },
  periodicSeam: {
    kind: "bool",
    default: false,
    doc: "with the periodic embedding, add sin(pi (x - lo) / P): values exactly periodic, slopes free to jump at the seam (for initial states kinked as periodic functions)",
  },
  rwf: { kind: "bool", default: false, doc: "random weight factorisation" },
  outputScale: {
    kind: "enum",
    choices: ["none", "data"],
    default: "none",
    doc: "output scaling (data: each field times its largest |Dirichlet/initial/observed value|)",
  },
  optimizer: {
    kind: "phases",
    default: "adam",
    doc: "optimiser phases joined by + (adam or soap first, then lbfgs, bfgs, ssbfgs, ssbroyden, lm)",
  },
  steps: { kind: "int", min: 0, default: 5000, doc: "first-order (adam/soap) steps" },
  lr: { kind: "number", positive: true, default: 1e-3, doc: "adam/soap learning rate" },
  coefLr: {
    kind: "number",
    positive: true,
    default: 1e-3,
    doc: "learning rate of trainable PDE coefficients (inverse problems)",
  },
  warmup: { kind: "int", min: 0, default: 0, doc: "linear warm-up steps" },
  decayRate: { kind: "number", positive: true, default: 0.9, doc: "exponential decay factor" },
  decaySteps: { kind: "int", min: 1, default: 2000, doc: "steps per decay factor" },
  soapB1: { kind: "number", min: 0, max: 0.999999, default: B1, doc: "SOAP first-moment decay" },
  soapB2: { kind: "number", min: 0, max: 0.999999, default: B2, doc: "SOAP second-moment decay" },
  soapShampooBeta: {
    kind: "number",
    min: 0,
    max: 0.999999,
    default: SHAMPOO,
    doc: "SOAP decay of the Shampoo factors L, R (the reference sets it to b2)",
  },
  soapPrecondEvery: {
    kind: "int",
    min: 1,
    default: 10,
    doc: "SOAP steps between eigenbasis refreshes",
  },
  soapRefresh: {
    kind: "enum",
    choices: ["powerQr", "eigh"],
    default: "powerQr",
    doc: "SOAP eigenbasis refresh: power iteration + QR (reference) or full eigh",
  },
  lbfgsSteps: { kind: "int", min: 0, default: 0, doc: "L-BFGS iterations" },
  lbfgsPoints: { kind: "int", min: 1, default: 4096, doc: "L-BFGS residual points (fixed)" },
  lbfgsHistory: { kind: "int", min: 1, default: 50, doc: "L-BFGS memory" },
  bfgsSteps: { kind: "int", min: 0, default: 2000, doc: "bfgs/ssbfgs/ssbroyden iterations" },
  bfgsPoints: { kind: "int", min: 1, default: 4096, doc: "bfgs-family residual points (fixed)" },
  lmSteps: { kind: "int", min: 0, default: 200, doc: "Levenberg-Marquardt iterations" },
  lmPoints: { kind: "int", min: 1, default: 1024, doc: "Levenberg-Marquardt residual points" },
  lmDamping: {
    kind: "number",
    positive: true,
    default: 1e-3,
    doc: "LM initial damping, relative to max diag(J'J)",
  },
  redrawEvery: {
    kind: "int",
    min: 0,
    default: 0,
    doc: "second-order phases: RAD redraw of the point set every k iterations (0 = fixed)",
  },
  redrawPool: { kind: "int", min: 1, default: 32768, doc: "RAD candidate pool of a redraw" },
  denseMemoryMB: {
    kind: "number",
    positive: true,
    default: 4096,
    doc: "largest dense optimiser state (inverse Hessian, Jacobian), MB",
  },
  points: { kind: "int", min: 1, default: 2048, doc: "residual points per step" },
  bcPoints: { kind: "int", min: 1, default: 256, doc: "points per condition term per step" },
  boundaryFraction: {
    kind: "number",
    min: 0,
    max: 0.5,
    default: 0,
    doc: "fraction of residual and initial points drawn on the spatial boundary (0 = interior only)",
  },
  boundaryBand: {
    kind: "number",
    min: 0,
    default: 0,
    doc: "boundaryFraction's points lie within this distance inside the boundary (0 = on it)",
  },
  sampler: {
    kind: "enum",
    choices: ["uniform", "lhs", "sobol", "rad", "rar"],
    default: "uniform",
    doc: "point sampler (sobol: shifted Sobol points; rad/rar: residual-adaptive, Wu et al. 2023)",
  },
  adaptEvery: { kind: "int", min: 1, default: 500, doc: "steps between adaptive resamplings" },
  adaptPool: { kind: "int", min: 1, default: 16384, doc: "adaptive sampler candidate points" },
  radK: { kind: "number", min: 0, default: 1, doc: "RAD exponent k" },
  radC: { kind: "number", min: 0, default: 1, doc: "RAD offset c" },
  rarAdd: { kind: "int", min: 1, default: 64, doc: "RAR points added per refinement" },
  resampleEvery: { kind: "int", min: 0, default: 1, doc: "resample every k steps (0 = never)" },
  precision: {
    kind: "enum",
    choices: ["float32", "float64"],
    default: "float32",
    doc: "floating point",
  },
  weighting: {
    kind: "enum",
    choices: ["fixed", "gradnorm", "gradnorm-jaxpi", "ntk", "relobralo", "self-adaptive"],
    default: "fixed",
    doc: "loss weighting (gradnorm: learning-rate annealing, Wang, Teng & Perdikaris 2021)",
  },
  weightEvery: { kind: "int", min: 1, default: 100, doc: "steps between weight updates" },
  saLr: {
    kind: "number",
    positive: true,
    default: 5e-3,
    doc: "self-adaptive: Adam ascent rate of the per-point weights (needs resampleEvery=0)",
  },
  diagEvery: { kind: "int", min: 0, default: 0, doc: "log gradient statistics every k steps" },
  ntkEvery: { kind: "int", min: 0, default: 0, doc: "log per-term NTK spectra every k steps" },
  backend: {
    kind: "enum",
    choices: ["auto", "kernels", "jax"],
    default: "auto",
    doc: "network step engine (auto: kernels where supported)",
  },
  causal: { kind: "bool", default: false, doc: "causal residual weights (Wang et al. 2022)" },
  causalChunks: { kind: "int", min: 1, default: 32, doc: "causal time chunks M" },
  causalEps: { kind: "number", positive: true, default: 1, doc: "causal tolerance eps" },
  causalEpsMax: { kind: "number", positive: true, default: 1, doc: "largest causal eps" },
  causalGrowth: { kind: "number", positive: true, default: 10, doc: "causal eps step factor" },
  causalThreshold: {
    kind: "number",
    positive: true,
    default: 0.99,
    doc: "min chunk weight that steps eps up",
  },
  hard: { kind: "list", default: [], doc: "conditions imposed exactly (comma-separated)" },
  curriculum: { kind: "string", default: "none", doc: "curriculum parameter (none = off)" },
  curriculumStart: { kind: "number", min: 0, default: 1, doc: "curriculum first value" },
  curriculumStages: { kind: "int", min: 1, default: 4, doc: "curriculum stages" },
  curriculumSteps: { kind: "int", min: 0, default: 0, doc: "Adam steps per early stage" },
  windows: { kind: "int", min: 1, default: 1, doc: "time-marching windows (1 = off)" },
  windowGrid: { kind: "int", min: 8, default: 1024, doc: "points of a window's initial state" },
  windowRatio: {
    kind: "number",
    positive: true,
    default: 1,
    doc: "each time-marching window's length over the previous one's (1 = equal windows)",
  },
  windowSteps: {
    kind: "int",
    min: -1,
    default: -1,
    doc: "first-order steps in windows after the first (-1: steps)",
  },
  windowBfgsSteps: {
    kind: "int",
    min: -1,
    default: -1,
    doc: "bfgs/ssbfgs/ssbroyden iterations in windows after the first (-1: bfgsSteps)",
  },
  windowBfgsPoints: {
    kind: "int",
    min: -1,
    default: -1,
    doc: "points of the bfgs/ssbfgs/ssbroyden phase in windows after the first (-1: bfgsPoints)",
  },
  windowRedrawEvery: {
    kind: "int",
    min: -1,
    default: -1,
    doc: "RAD redraw interval of the quasi-Newton points in windows after the first (-1: redrawEvery)",
  },
  windowInit: {
    kind: "enum",
    choices: ["extrapolate", "copy"],
    default: "extrapolate",
    doc: "a window's start: the previous network extrapolated, or its parameters copied",
  },
  auto: {
    kind: "bool",
    default: false,
    doc: "autopilot: a brief probe, the doctor's checks, the named fixes applied (pinnlab train)",
  },
  autoSteps: {
    kind: "int",
    min: 1,
    default: 500,
    doc: "autopilot: first-order steps of the probe",
  },
  seed: { kind: "int", min: 0, default: 0, doc: "random seed" },
  logEvery: { kind: "int", min: 1, default: 100, doc: "log a record every k steps" },
  evalEvery: {
    kind: "int",
    min: 0,
    default: 500,
    doc: "record rel L2 against the reference every k steps (0 = never)",
  },
  checkpointEvery: {
    kind: "int",
    min: 0,
    default: 500,
    doc: "checkpoint the training state every k Adam steps (0 = never)",
  },
  divergenceRetries: {
    kind: "int",
    min: 0,
    default: 2,
    doc: "rollbacks to the last checkpoint after a NaN/Inf before status diverged",
  },
  rollbackLrFactor: {
    kind: "number",
    positive: true,
    max: 1,
    default: 0.1,
    doc: "learning-rate factor applied at each rollback",
  },
};

/** The defaults of every training key. */
export function defaultTrainConfig(): TrainConfig {
  const out: Record<string, unknown> = {};
  for (const [k, spec] of Object.entries(TRAIN_SCHEMA)) out[k] = spec.default;
  return out as unknown as TrainConfig;
}

/** Parse and check one value against its schema entry; the error names the key. */
export function parseValue(
  key: string,
  spec: KeySpec,
  raw: string | number | boolean | readonly string[],
): unknown {
  const fail = (why: string): never => {
    throw new Error(`--set ${key}=${String(raw)}: ${why}`);
  };
  switch (spec.kind) {
    case "int": {
      const v = typeof raw === "number" ? raw : Number(raw);
      if (typeof raw === "boolean" || String(raw).trim() === "" || !Number.isInteger(v)) {
        fail("expected an integer");
      }
      if (v < spec.min) fail(`must be >= ${spec.min}`);
      return v;
    }
    case "number": {
      const v = typeof raw === "number" ? raw : Number(raw);
      if (typeof raw === "boolean" || String(raw).trim() === "" || !Number.isFinite(v)) {
        fail("expected a finite number");
      }
      if (spec.positive && !(v > 0)) fail("must be positive");
      if (spec.min !== undefined && v < spec.min) fail(`must be >= ${spec.min}`);
      if (spec.max !== undefined && v > spec.max) fail(`must be <= ${spec.max}`);
      return v;
    }
    case "bool": {
      if (typeof raw === "boolean") return raw;
      if (raw === "true" || raw === "1") return true;
      if (raw === "false" || raw === "0") return false;
      return fail("expected true or false");
    }
    case "enum": {
      if (!spec.choices.includes(String(raw))) fail(`expected one of ${spec.choices.join(", ")}`);
      return String(raw);
    }
    case "list": {
      if (Array.isArray(raw)) return raw.map(String);
      if (typeof raw !== "string") return fail("expected comma-separated names");
      const names = raw
        .split(",")
        .map((v) => v.trim())
        .filter((v) => v !== "");
      for (const n of names) if (!/^[A-Za-z_][\w.-]*$/.test(n)) fail(`bad name "${n}"`);
      return names;
    }
    case "string": {
      if (typeof raw !== "string" || raw.trim() === "") return fail("expected a name");
      return raw.trim();
    }
    case "phases": {
      if (typeof raw !== "string") return fail("expected phases joined by +");
      return parsePhases(raw.trim()).join("+");
    }
    default: {
      const never: never = spec;
      throw new Error(`bad schema ${String(never)}`);
    }
  }
}

/**
 * A later time window's configuration: its own first-order steps (`windowSteps`), quasi-Newton
 * iterations (`windowBfgsSteps`), quasi-Newton points (`windowBfgsPoints`) and RAD redraw
 * interval (`windowRedrawEvery`), each -1 for the first window's.
 */
export function laterWindow(c: TrainConfig): TrainConfig {
  return {
    ...c,
    steps: c.windowSteps >= 0 ? c.windowSteps : c.steps,
    bfgsSteps: c.windowBfgsSteps >= 0 ? c.windowBfgsSteps : c.bfgsSteps,
    bfgsPoints: c.windowBfgsPoints >= 0 ? c.windowBfgsPoints : c.bfgsPoints,
    redrawEvery: c.windowRedrawEvery >= 0 ? c.windowRedrawEvery : c.redrawEvery,
  };
}

/**
 * Checks that involve several keys (each key's own type and range are checked when parsed).
 * @throws naming the offending key, e.g. "causalChunks: points (1000) must be a multiple of
 *   causalChunks (32)"
 */
export function validateTrainConfig(c: TrainConfig): void {
  if (c.weighting === "self-adaptive" && c.resampleEvery !== 0) {
    throw new Error(
      `resampleEvery: weighting=self-adaptive keeps one trainable weight per point, so the points must stay fixed: set resampleEvery=0 (now ${c.resampleEvery})`,
    );
  }
  if (c.causal && c.points % c.causalChunks !== 0) {
    throw new Error(
      `causalChunks: points (${c.points}) must be a multiple of causalChunks (${c.causalChunks})`,
    );
  }
  if (c.outputScale === "data" && c.windows > 1) {
    // each window's problem has its own initial values, so its own scale: a window started from
    // the previous network would start from a differently scaled output
    throw new Error(
      `outputScale: data is not supported with time marching (windows ${c.windows}): set outputScale=none`,
    );
  }
  if (c.causalEpsMax < c.causalEps) {
    throw new Error(`causalEpsMax: ${c.causalEpsMax} is below causalEps (${c.causalEps})`);
  }
  if (c.sampler === "rar" && 2 * c.rarAdd > c.points) {
    throw new Error(`rarAdd: ${c.rarAdd} exceeds half the residual batch (points ${c.points})`);
  }
  if (c.boundaryBand > 0 && c.boundaryFraction === 0) {
    throw new Error(
      `boundaryBand: ${c.boundaryBand} spreads the points of boundaryFraction, which is 0 (set boundaryFraction too)`,
    );
  }
  if (c.windowBfgsPoints === 0) {
    throw new Error("windowBfgsPoints: 0 points (-1 keeps bfgsPoints in every window)");
  }
  const later = laterWindow(c);
  if (c.redrawEvery > 0 || (c.windows > 1 && later.redrawEvery > 0)) {
    // the later windows' quasi-Newton points are redrawn from the same pool
    const need = Math.max(
      0,
      ...parsePhases(c.optimizer)
        .filter(isSecondOrder)
        .flatMap((k) => [
          ...(c.redrawEvery > 0 ? [phasePoints(k, c)] : []),
          ...(later.redrawEvery > 0 ? [phasePoints(k, later)] : []),
        ]),
    );
    if (c.redrawPool < need) {
      throw new Error(`redrawPool: ${c.redrawPool} candidates are fewer than the ${need} points`);
    }
  }
  if (c.sampler === "rad" || c.sampler === "rar") {
    if (c.adaptPool < c.points) {
      throw new Error(`adaptPool: ${c.adaptPool} candidates are fewer than points (${c.points})`);
    }
  }
}

/**
 * A configuration with `--set`-style overrides applied, each checked against the schema and the
 * result validated across keys (what the CLI does for training keys).
 * @throws naming the offending key
 * @example const c = applyOverrides(defaultTrainConfig(), [["optimizer", "adam+ssbroyden"]]);
 */
export function applyOverrides(
  base: TrainConfig,
  overrides: readonly (readonly [string, string | number | boolean])[],
): TrainConfig {
  const out = { ...base } as Record<string, unknown>;
  for (const [key, raw] of overrides) {
    if (!Object.hasOwn(TRAIN_SCHEMA, key)) {
      throw new Error(`--set ${key}: unknown training key`);
    }
    out[key] = parseValue(key, TRAIN_SCHEMA[key as keyof TrainConfig], raw);
  }
  const c = out as unknown as TrainConfig;
  validateTrainConfig(c);
  return c;
}
