/**
 * Presets: typed overrides merged onto a problem's defaults (optax's "aliases are compositions",
 * not copies of whole configurations). Every built-in problem has
 *
 * - `plain`: the vanilla PINN the literature's failure numbers refer to (MLP, fixed weights, the
 *   problem's default optimiser, no mitigation): the problem's defaults unchanged;
 * - `best`: the configuration docs/BENCHMARKS.md measured best within the default budget (each
 *   entry's `why` says what was measured, or that it follows the literature without a run here).
 *
 * User `--set` overrides apply after the preset. The benchmark suite asks for presets by name.
 */

/** The preset names. */
export const PRESETS = ["plain", "best"] as const;

/** A preset name. */
export type PresetName = (typeof PRESETS)[number];

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

/** The presets of every built-in problem. */
export const PRESET_TABLE: Readonly<Record<string, Readonly<Record<PresetName, Preset>>>> = {
  burgers: {
    plain: PLAIN,
    best: { set: {}, why: "the defaults already reach 7.6e-4 (docs/BENCHMARKS.md)" },
  },
  convection: {
    plain: PLAIN,
    best: {
      set: MARCH,
      why: "time marching, 10 windows: beta 30 4.7e-3, beta 50 5.7e-3 (docs/BENCHMARKS.md)",
    },
  },
  reaction: {
    plain: PLAIN,
    best: {
      set: MARCH,
      why: "the marching configuration of convection and reaction-diffusion (not measured on reaction alone)",
    },
  },
  "reaction-diffusion": {
    plain: PLAIN,
    best: {
      set: MARCH,
      why: "time marching, 10 windows: nu 5, rho 5 4.8e-5 (docs/BENCHMARKS.md)",
    },
  },
  "allen-cahn": {
    plain: PLAIN,
    best: {
      set: {
        periodicEmbedding: true,
        windows: 10,
        steps: 1500,
        optimizer: "adam+lbfgs",
        lbfgsSteps: 500,
        lbfgsPoints: 2048,
      },
      why: "time marching, 10 windows: 8.8e-3 (docs/BENCHMARKS.md)",
    },
  },
  helmholtz2d: {
    plain: PLAIN,
    best: {
      set: {
        steps: 40000,
        decaySteps: 1000,
        weighting: "gradnorm",
        weightEvery: 10,
        arch: "modified-mlp",
      },
      why: "gradnorm + modified MLP: 8.1e-3 (docs/BENCHMARKS.md, loss weighting on Helmholtz)",
    },
  },
  wave1d: {
    plain: PLAIN,
    best: {
      set: { weighting: "ntk", weightEvery: 1000 },
      why: "NTK weights: 2.1e-1 vs 5.3e-1 (docs/BENCHMARKS.md, NTK weighting)",
    },
  },
  poisson1d: {
    plain: PLAIN,
    best: {
      set: { weighting: "ntk" },
      why: "NTK weights: 3.0e-2 vs 5.0e-1 (docs/BENCHMARKS.md, NTK weighting)",
    },
  },
  "klein-gordon": {
    plain: PLAIN,
    best: {
      set: { weighting: "gradnorm", weightEvery: 10, arch: "modified-mlp" },
      why: "not measured here: Wang, Teng & Perdikaris (2021) report 2.8e-3 for gradnorm + modified MLP",
    },
  },
  kdv: {
    plain: PLAIN,
    best: {
      set: { periodicEmbedding: true },
      why: "not measured here: exact periodicity by the embedding (jaxpi's KdV setup)",
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
  if (!p) throw new Error(`--preset ${preset}: no presets for problem "${problem}"`);
  switch (preset) {
    case "plain":
    case "best":
      return p[preset].set;
    default: {
      const never: never = preset;
      throw new Error(`unknown preset ${String(never)}`);
    }
  }
}
