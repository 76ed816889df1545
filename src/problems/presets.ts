/**
 * Presets: named training recipes as typed overrides merged onto a problem's defaults (a preset is
 * a composition, not a copy of the configuration). The benchmark suite asks for them by name.
 *
 * For now both presets are the problem's own defaults: `plain` is the vanilla PINN (MLP, fixed
 * weights, Adam [+ L-BFGS]) and `best` is a placeholder that the presets issue (issue 4) fills with
 * each problem's best known recipe (modified MLP, Fourier features, adaptive weights, causal
 * training...). Extend `BEST` below; the suite needs nothing else.
 */

/** The preset names. */
export const PRESETS = ["plain", "best"] as const;

/** A preset name. */
export type PresetName = (typeof PRESETS)[number];

/** Overrides of training keys, problem parameters or `w.<term>` weights. */
export type PresetOverrides = Readonly<Record<string, string | number | boolean>>;

/** Per-problem overrides of the `best` preset (empty: the problem's defaults). */
const BEST: Readonly<Record<string, PresetOverrides>> = {};

/** True when `s` names a preset. */
export function isPreset(s: string): s is PresetName {
  return (PRESETS as readonly string[]).includes(s);
}

/**
 * The overrides a preset applies to a problem's defaults (as `--set key=value` pairs would).
 * @example
 * presetOverrides("burgers", "plain"); // {} (the problem's defaults)
 */
export function presetOverrides(problem: string, preset: PresetName): PresetOverrides {
  switch (preset) {
    case "plain":
      return {};
    case "best":
      return BEST[problem] ?? {};
    default: {
      const never: never = preset;
      throw new Error(`unknown preset ${String(never)}`);
    }
  }
}
