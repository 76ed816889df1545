/**
 * Problems a user brings: a problem file's default export is either a problem
 * (`defineProblem(...)`) or a factory with typed parameters (`problemFactory(...)`), which the
 * command line treats exactly like a built-in problem (every `--set` key, presets, the store,
 * `--resume`, `diagnose`, `bench suite`). Reading the file is the CLI's job
 * (src/cli/problemFile.ts); this module only shapes and checks what the file exported, so it runs
 * in a browser too.
 */
import type { Problem } from "../problem/problem.js";
import type { TrainConfig } from "../train/config.js";
import type { BuiltinProblem, ParamSpec } from "./registry.js";

/** What a problem factory declares; `P` names its parameters. */
export interface ProblemFactorySpec<P extends string> {
  /** The problem's name (run ids, the store, reports). */
  readonly name: string;
  /** One line for `pinnlab train FILE --help`. */
  readonly description?: string;
  /** Parameters settable with `--set name=value`, each with a default and a one-line doc. */
  readonly params: Readonly<Record<P, ParamSpec>>;
  /** Training defaults for this problem (the user's `--set` still wins). */
  readonly defaults?: Partial<TrainConfig>;
  /** Default weight per term name (unlisted terms weigh 1). */
  readonly weights?: Readonly<Record<string, number>>;
  /** Build the problem for one set of parameter values. */
  build(params: Readonly<Record<P, number>>): Problem;
}

/**
 * A problem with typed parameters, for a problem file's default export.
 * @example
 * export default problemFactory({
 *   name: "heat",
 *   params: { k: { default: 0.1, positive: true, doc: "diffusivity" } },
 *   build: ({ k }) => defineProblem({ ... uses k ... }),
 * });
 */
export function problemFactory<P extends string>(spec: ProblemFactorySpec<P>): BuiltinProblem {
  if (!spec.name) throw new Error("problemFactory: name is empty");
  for (const [k, p] of Object.entries(spec.params) as [string, ParamSpec][]) {
    if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(k)) throw new Error(`${spec.name}: params.${k}: bad name`);
    if (!Number.isFinite(p.default)) throw new Error(`${spec.name}: params.${k}.default`);
  }
  return {
    name: spec.name,
    description: spec.description ?? `${spec.name} (a problem factory)`,
    params: spec.params,
    defaults: spec.defaults ?? {},
    weights: spec.weights ?? {},
    build: (p) => spec.build(p as Readonly<Record<P, number>>),
  };
}

/** True for a validated problem (what `defineProblem` returns). */
function isProblem(v: unknown): v is Problem {
  const o = v as Partial<Problem> | null;
  return (
    typeof o === "object" &&
    o !== null &&
    Array.isArray(o.terms) &&
    Array.isArray(o.termNames) &&
    typeof o.name === "string"
  );
}

/** True for a factory (what `problemFactory` returns, or a built-in problem object). */
function isFactory(v: unknown): v is BuiltinProblem {
  const o = v as Partial<BuiltinProblem> | null;
  return (
    typeof o === "object" &&
    o !== null &&
    typeof o.build === "function" &&
    typeof o.params === "object" &&
    typeof o.name === "string"
  );
}

/**
 * A problem file's default export as a problem the CLI can train, built once to check it.
 * @param v the module's default export
 * @param source the file, for messages and `source`
 * @throws naming the file when the export is neither a problem nor a factory, or does not build
 * @example asBuiltin((await import("./heat.ts")).default, "./heat.ts")
 */
export function asBuiltin(v: unknown, source: string): BuiltinProblem & { source: string } {
  if (isProblem(v)) {
    return {
      name: v.name,
      description: `${v.name} (problem file ${source})`,
      params: {},
      defaults: {},
      weights: {},
      build: () => v,
      source,
    };
  }
  if (isFactory(v)) {
    const built: unknown = v.build(
      Object.fromEntries(Object.entries(v.params).map(([k, p]) => [k, p.default])),
    );
    if (!isProblem(built)) {
      throw new Error(`${source}: the factory's build() does not return defineProblem(...)`);
    }
    return {
      name: v.name,
      description: v.description,
      params: v.params,
      defaults: v.defaults ?? {},
      weights: v.weights ?? {},
      build: v.build,
      source,
    };
  }
  throw new Error(
    `${source}: the default export is not a problem (export default defineProblem(...) or problemFactory(...))`,
  );
}
