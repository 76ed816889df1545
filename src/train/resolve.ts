/**
 * Resolving a run's configuration: global defaults <- the problem's defaults <- `--set` overrides
 * (<- explicit flags). Every key is checked against its schema before anything runs, so a typo or
 * an ill-typed value fails at once with the key named.
 */
import { PROBLEMS, getProblem, type BuiltinProblem } from "../problems/index.js";
import type { Problem } from "../problem/problem.js";
import {
  DEFAULT_RECIPE,
  canRedraw,
  PRESET_TABLE,
  PRESETS,
  isPreset,
  presetOverrides,
} from "../problems/presets.js";
import {
  TRAIN_SCHEMA,
  type TrainConfig,
  defaultTrainConfig,
  parseValue,
  validateTrainConfig,
} from "./config.js";

/** Everything a run needs, validated. */
export interface ResolvedRun {
  readonly builtin: BuiltinProblem;
  readonly problem: Problem;
  /** The problem's parameters (defaults merged with overrides). */
  readonly params: Readonly<Record<string, number>>;
  readonly config: TrainConfig;
  /** Weight per term name (all terms listed). */
  readonly weights: Readonly<Record<string, number>>;
}

/** One `key=value` override. */
export type Override = readonly [key: string, value: string | number | boolean];

/** Split "key=value" (the value may itself contain '='). */
export function parseSet(s: string): Override {
  const i = s.indexOf("=");
  if (i <= 0) throw new Error(`--set ${s}: expected key=value`);
  return [s.slice(0, i).trim(), s.slice(i + 1).trim()];
}

/**
 * The overrides a preset applies to a problem: the zoo's table for built-in problems; for a
 * problem file, `plain` is its defaults (the vanilla PINN), `default` the default recipe and
 * `best` is refused (nothing was measured for it).
 * @example presetFor(getProblem("burgers"), "plain"); // []
 */
export function presetFor(builtin: BuiltinProblem, preset: string): Override[] {
  if (!isPreset(preset)) {
    throw new Error(`--preset ${preset}: unknown preset (known: ${PRESETS.join(", ")})`);
  }
  if (builtin.source !== undefined) {
    if (preset === "plain") return [];
    if (preset === "default") return Object.entries(presetOverrides(builtin.name, preset));
    throw new Error(
      `--preset ${preset}: a problem file has no measured best configuration (use --preset plain or --set)`,
    );
  }
  return Object.entries(presetOverrides(builtin.name, preset));
}

/**
 * The preset `resolveRun` applies when none is named: the default recipe with the autopilot on,
 * under the defaults of a problem file (nobody measured it); none for the zoo's problems, whose own defaults stay what
 * their tests and the literature's reproductions expect, and none for a factory handed to
 * `resolveRun` in the library, whose caller sets its keys on the vanilla defaults
 * (examples/lotka-volterra.ts does; the library's recipe is `train()` without a configuration,
 * `defaultRecipeConfig()` or `--preset default`). `pinnlab train` names one first
 * ({@link commandPreset}).
 * @example implicitPreset(getProblem("burgers")); // undefined
 */
export function implicitPreset(builtin: BuiltinProblem): "default" | undefined {
  return builtin.source !== undefined ? "default" : undefined;
}

/**
 * The preset `pinnlab train` (and a sweep job without one) uses when none is named (issue 14):
 * `best` for the zoo's problems, their measured configuration (each preset's `why` names the
 * measurement in docs/BENCHMARKS.md; `--preset plain` is the vanilla PINN), and none for a
 * problem file, which then trains with the default recipe and the autopilot (`implicitPreset`).
 * @example commandPreset(getProblem("burgers")); // "best"
 */
export function commandPreset(builtin: BuiltinProblem): "best" | undefined {
  return builtin.source === undefined && Object.hasOwn(PRESET_TABLE, builtin.name)
    ? "best"
    : undefined;
}

/**
 * Resolve and validate a run of a built-in problem (by name) or of a problem object (a problem
 * file's, see src/problems/factory.ts). Without a preset, a problem file trains with the default
 * recipe and the autopilot (`auto=true`; see `implicitPreset`; `--preset default` is the recipe
 * alone, `--preset plain` its vanilla PINN); a factory's own `defaults` still apply over these,
 * and the user's overrides over all.
 * @throws naming the unknown problem, key or the ill-typed value
 * @example resolveRun("convection", [["beta", 1]]);
 */
export function resolveRun(
  problemOrName: string | BuiltinProblem,
  userOverrides: readonly Override[],
  preset?: string,
): ResolvedRun {
  const builtin = typeof problemOrName === "string" ? getProblem(problemOrName) : problemOrName;
  const problemName = builtin.name;
  // a preset is a list of overrides applied before the user's (src/problems/presets.ts); the
  // implicit default recipe is a base under the problem's own defaults instead
  const presetSets: Override[] = preset === undefined ? [] : presetFor(builtin, preset);
  const overrides = [...presetSets, ...userOverrides];
  const base = defaultTrainConfig() as unknown as Record<string, unknown>;
  const recipe =
    preset === "default" || (preset === undefined && implicitPreset(builtin) === "default");
  if (preset === undefined && recipe) {
    for (const [k, v] of Object.entries(DEFAULT_RECIPE.set)) {
      base[k] = parseValue(k, TRAIN_SCHEMA[k as keyof TrainConfig], v);
    }
    // and the autopilot on top (issue 14: on bench/unseen/ never worse than the recipe alone,
    // better on 10 of 13 problems, docs/BENCHMARKS.md); `--preset default` is the recipe alone
    base.auto = true;
  }
  const config = { ...base, ...builtin.defaults } as Record<string, unknown>;
  const params: Record<string, number> = {};
  for (const [k, spec] of Object.entries(builtin.params)) params[k] = spec.default;
  const weightSets: [string, number][] = [];
  for (const [key, raw] of overrides) {
    if (Object.hasOwn(TRAIN_SCHEMA, key)) {
      config[key] = parseValue(key, TRAIN_SCHEMA[key as keyof TrainConfig], raw);
    } else if (Object.hasOwn(builtin.params, key)) {
      const spec = builtin.params[key];
      params[key] = parseValue(
        key,
        {
          kind: "number",
          positive: spec.positive,
          min: spec.min,
          default: spec.default,
          doc: spec.doc,
        },
        raw,
      ) as number;
    } else if (key.startsWith("w.")) {
      weightSets.push([
        key.slice(2),
        parseValue(key, { kind: "number", min: 0, default: 1, doc: "" }, raw) as number,
      ]);
    } else {
      const known = [...Object.keys(TRAIN_SCHEMA), ...Object.keys(builtin.params), "w.<term>"];
      throw new Error(`--set ${key}: unknown key for ${problemName} (known: ${known.join(", ")})`);
    }
  }
  const problem = builtin.build(params);
  // the recipe's RAD redraws need a box domain and residual batches without quadrature rows;
  // elsewhere its second-order points stay fixed (unless the user asked for redraws)
  if (recipe && !userOverrides.some(([k]) => k === "redrawEvery") && !canRedraw(problem)) {
    config.redrawEvery = 0;
  }
  const weights: Record<string, number> = {};
  for (const n of problem.termNames) weights[n] = builtin.weights[n] ?? 1;
  for (const [term, w] of weightSets) {
    if (!problem.termNames.includes(term)) {
      throw new Error(
        `--set w.${term}: no term named "${term}" (terms: ${problem.termNames.join(", ")})`,
      );
    }
    weights[term] = w;
  }
  const c = config as unknown as TrainConfig;
  if (c.curriculum !== "none" && !Object.hasOwn(builtin.params, c.curriculum)) {
    const known = Object.keys(builtin.params).join(", ") || "none";
    throw new Error(
      `--set curriculum=${c.curriculum}: ${problemName} has no such parameter (known: ${known})`,
    );
  }
  for (const h of c.hard) {
    if (!Object.hasOwn(problem.conditions, h)) {
      const known = Object.keys(problem.conditions).join(", ");
      throw new Error(
        `--set hard=${c.hard.join(",")}: no condition named "${h}" (conditions: ${known})`,
      );
    }
  }
  if ((c.sampler === "rad" || c.sampler === "rar") && problem.domain.shape) {
    throw new Error(
      `--set sampler=${c.sampler}: adaptive samplers need a box domain (${problemName} is a ${problem.domain.shape.kind})`,
    );
  }
  validateTrainConfig(c);
  return { builtin, problem, params, config: c, weights };
}

/** Names of every built-in problem. */
export function problemNames(): string[] {
  return Object.keys(PROBLEMS);
}
