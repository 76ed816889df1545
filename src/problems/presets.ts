/**
 * Presets: typed overrides merged onto a problem's defaults (optax's "aliases are compositions",
 * not copies of whole configurations). Every built-in problem has
 *
 * - `plain`: the vanilla PINN the literature's failure numbers refer to (MLP, fixed weights, the
 *   problem's default optimiser, no mitigation): the problem's defaults unchanged;
 * - `best`: the configuration docs/BENCHMARKS.md measured best (each entry's `why` says what was
 *   measured, or that it follows the literature without a run here); since issue 10 mostly the
 *   float64 second-order recipe, at most ~15 minutes of training on this machine;
 *
 * and every problem, built-in or a problem file, has
 *
 * - `default`: {@link DEFAULT_RECIPE}, the recipe chosen by measurement on problems nobody tuned
 *   (`bench/unseen/`, docs/BENCHMARKS.md). A problem file trains with it, and with the autopilot
 *   on, when no preset is named (`--preset plain` is its vanilla PINN); `pinnlab train` gives a
 *   built-in problem its `best` when no preset is named (src/train/resolve.ts, `commandPreset`).
 *
 * User `--set` overrides apply after the preset. The benchmark suite asks for presets by name.
 */

import { RECIPE_OVERRIDES, SECOND_ORDER } from "../train/recipe.js";

export { canRedraw, defaultRecipeConfig } from "../train/recipe.js";

/** The preset names. */
export const PRESETS = ["plain", "best", "default"] as const;

/** A preset name. */
export type PresetName = (typeof PRESETS)[number];

/** The presets measured per built-in problem. */
export type MeasuredPreset = Exclude<PresetName, "default">;

/** The measured presets' names, in the order `pinnlab problems` lists them. */
export const MEASURED_PRESETS: readonly MeasuredPreset[] = ["plain", "best"];

/** Overrides of training keys, problem parameters or `w.<term>` weights. */
export type PresetOverrides = Readonly<Record<string, string | number | boolean>>;

/** True when `s` names a preset. */
export function isPreset(s: string): s is PresetName {
  return (PRESETS as readonly string[]).includes(s);
}

/** One preset: `--set` style overrides and where the choice comes from. */
export interface Preset {
  readonly set: PresetOverrides;
  /** A measurement in docs/BENCHMARKS.md, or the paper it follows. */
  readonly why: string;
}

/**
 * Time marching (Krishnapriyan et al.'s seq2seq) with exact periodicity: 10 windows, each 1,500
 * Adam steps + 500 L-BFGS iterations, initial condition weighted 100.
 */
const MARCH = {
  periodicEmbedding: true,
  windows: 10,
  "w.ic": 100,
  steps: 1500,
  lbfgsSteps: 500,
} as const;

const PLAIN: Preset = { set: {}, why: "the problem's defaults: MLP, fixed weights, no mitigation" };

/**
 * Time marching with the second-order recipe in every window: convection's cure (the optimiser
 * alone does not cure beta = 30, docs/BENCHMARKS.md) with float64 SSBroyden's accuracy.
 */
const MARCH_SECOND_ORDER = {
  ...MARCH,
  precision: "float64",
  width: 20,
  depth: 3,
  optimizer: "adam+ssbroyden",
  bfgsSteps: 500,
  bfgsPoints: 2048,
} as const;

/**
 * The default recipe for problems nobody tuned (issue 14), measured on `bench/unseen/` (13
 * problems outside the zoo: docs/BENCHMARKS.md, "Problems nobody tuned"): the second-order recipe
 * above (Urban, Stefanou & Pons 2024) as it stands, a float64 3 x 20 tanh network on the fused
 * kernels, Adam 2,000 steps at 2e-3, then self-scaled Broyden with a strong-Wolfe line search for
 * 2,000 iterations on 4,096 points redrawn by RAD (Wu et al. 2023) every 500; and each output
 * scaled by the size of its field's condition values (`outputScale=data`, src/nets/scaling.ts),
 * without which a solution of order 1e3 stalls at rel L2 0.71.
 */
export const DEFAULT_RECIPE: Preset = {
  set: RECIPE_OVERRIDES,
  why: "float64 3 x 20, Adam 2k + SSBroyden 2k on 4,096 RAD points, outputs scaled by their data: rel L2 1.3e-7 .. 3.7e-4 on the 13 problems of bench/unseen/, 60-126 s CPU each (docs/BENCHMARKS.md, problems nobody tuned)",
};

/** The presets of every built-in problem. */
export const PRESET_TABLE: Readonly<Record<string, Readonly<Record<MeasuredPreset, Preset>>>> = {
  burgers: {
    plain: PLAIN,
    best: {
      set: { ...SECOND_ORDER, steps: 3000, bfgsSteps: 10000, bfgsPoints: 8192 },
      why: "float64 3 x 20, Adam 3k + SSBroyden 10k on 8,192 RAD points: 2.4e-6 (docs/BENCHMARKS.md, second-order training)",
    },
  },
  convection: {
    plain: PLAIN,
    best: {
      set: { ...MARCH_SECOND_ORDER, bfgsSteps: 1000 },
      why: "time marching, 10 windows, each float64 3 x 20, Adam 1.5k + SSBroyden 1k: beta 30 8.2e-6 over seeds 0-2, beta 1 (the default) 6.5e-7 (docs/BENCHMARKS.md, second-order training; defaults of the built-in problems)",
    },
  },
  reaction: {
    plain: PLAIN,
    best: {
      set: {
        ...MARCH_SECOND_ORDER,
        periodicEmbedding: false,
        bcPoints: 1024,
        redrawEvery: 250,
        bfgsSteps: 2000,
        windowSteps: 0,
        "w.ic": 1000,
      },
      why: "time marching, 10 windows of float64 3 x 20 SSBroyden 2k (Adam 1.5k in the first only), soft periodicity: the Gaussian's periodic extension has a kink the embedding cannot fit: rho 5 3.0e-6 (docs/BENCHMARKS.md, second-order training)",
    },
  },
  "reaction-diffusion": {
    plain: PLAIN,
    best: {
      set: MARCH_SECOND_ORDER,
      why: "time marching, 10 windows, each float64 3 x 20, Adam 1.5k + SSBroyden 500: nu 5, rho 5 8.5e-6 over seeds 0-2, nu 3 (the default) 9.5e-6; the float32 marching preset gave 5.0e-5 and 1.3e-4 (docs/BENCHMARKS.md, second-order training; defaults of the built-in problems)",
    },
  },
  "allen-cahn": {
    plain: PLAIN,
    best: {
      set: {
        ...MARCH_SECOND_ORDER,
        periodicSeam: true,
        bcPoints: 1024,
        boundaryFraction: 0.05,
        boundaryBand: 0.01,
        windowSteps: 0,
        bfgsSteps: 3500,
        bfgsPoints: 4096,
        windowBfgsSteps: 2000,
        windowBfgsPoints: 2048,
      },
      why: "time marching, 10 windows of float64 3 x 20, Adam 1.5k + SSBroyden 3.5k on 4,096 points in the first, SSBroyden 2k on 2,048 in each later one (starting from the last one's extrapolation), the seam feature for the initial state's kink at x = +-1, 1,024 initial/boundary points, and 5% of the residual and initial points in a band 0.01 wide inside x = +-1, where the kink rounds off: 1.8e-5 over seeds 0-2 (2.3e-5 without the band and the first window's 4,096 points; docs/BENCHMARKS.md, Allen-Cahn's corner)",
    },
  },
  helmholtz2d: {
    plain: PLAIN,
    best: {
      set: { ...SECOND_ORDER, points: 1024, hard: "bc", bfgsSteps: 1000 },
      why: "float64 3 x 20 with the Dirichlet data exact (hard=bc), Adam 2k + SSBroyden 1k: 2.4e-7; soft boundary data stalls near 1e-4 (docs/BENCHMARKS.md, second-order training)",
    },
  },
  wave1d: {
    plain: PLAIN,
    best: {
      set: { ...SECOND_ORDER, points: 1024, hard: "ic,bc", "w.ic_t": 10, bfgsSteps: 6000 },
      why: "float64 3 x 20 with u(0, x) and the Dirichlet data exact (hard=ic,bc), u_t(0) weighted 10 (its error propagates undamped), Adam 2k + SSBroyden 6k: 8.3e-5 over seeds 0-2 (docs/BENCHMARKS.md, second-order training)",
    },
  },
  poisson1d: {
    plain: PLAIN,
    best: {
      set: { ...SECOND_ORDER, points: 1024, bfgsSteps: 4000, bfgsPoints: 2048 },
      why: "float64 3 x 20, Adam 2k + SSBroyden 4k on 2,048 RAD points: 4.3e-7; Levenberg-Marquardt stalls at 2.1e-6 (docs/BENCHMARKS.md, second-order training)",
    },
  },
  "klein-gordon": {
    plain: PLAIN,
    best: {
      set: { ...SECOND_ORDER, points: 1024, hard: "ic,bc", bfgsSteps: 3000 },
      why: "float64 3 x 20 with u(0, x) and the Dirichlet data exact (hard=ic,bc), Adam 2k + SSBroyden 3k: 4.3e-7 (docs/BENCHMARKS.md, second-order training)",
    },
  },
  kdv: {
    plain: PLAIN,
    best: {
      set: { ...MARCH_SECOND_ORDER, bcPoints: 1024, bfgsSteps: 1500, windowSteps: 0 },
      why: "time marching, 10 windows of float64 3 x 20 SSBroyden 1.5k (Adam 1.5k in the first only): lambda2 = 0.000484 (jaxpi's setting) 1.1e-4 over seeds 0-2, lambda2 = 0.0025 (the default) 1.4e-5 (docs/BENCHMARKS.md, second-order training; defaults of the built-in problems)",
    },
  },
};

/**
 * The overrides a preset applies to a problem's defaults (as `--set key=value` pairs would).
 * @throws naming the problem when it has no presets
 * @example
 * presetOverrides("burgers", "plain"); // {} (the problem's defaults)
 */
export function presetOverrides(problem: string, preset: PresetName): PresetOverrides {
  const p = Object.hasOwn(PRESET_TABLE, problem) ? PRESET_TABLE[problem] : undefined;
  switch (preset) {
    case "default":
      return DEFAULT_RECIPE.set;
    case "plain":
    case "best":
      if (!p) throw new Error(`--preset ${preset}: no presets for problem "${problem}"`);
      return p[preset].set;
    default: {
      const never: never = preset;
      throw new Error(`unknown preset ${String(never)}`);
    }
  }
}
