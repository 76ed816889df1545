/** The built-in problems, by name. */
import { burgers } from "./burgers.js";
import { convection, reaction, reactionDiffusion } from "./krishnapriyan.js";
import { allenCahn, helmholtz2d, kdv, kleinGordon, poisson1d, wave1d } from "./others.js";
import type { BuiltinProblem } from "./registry.js";

export type { BuiltinProblem, ParamSpec } from "./registry.js";

/** Every built-in problem, keyed by its CLI name. */
export const PROBLEMS: Readonly<Record<string, BuiltinProblem>> = Object.fromEntries(
  [
    burgers,
    convection,
    reaction,
    reactionDiffusion,
    allenCahn,
    helmholtz2d,
    wave1d,
    poisson1d,
    kleinGordon,
    kdv,
  ].map((p) => [p.name, p]),
);

/** A built-in problem by name, or an error listing the names. */
export function getProblem(name: string): BuiltinProblem {
  const p = Object.hasOwn(PROBLEMS, name) ? PROBLEMS[name] : undefined;
  if (!p) throw new Error(`unknown problem "${name}" (known: ${Object.keys(PROBLEMS).join(", ")})`);
  return p;
}
