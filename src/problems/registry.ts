/**
 * The built-in problem zoo's shared shape: a name, documented parameters with defaults, training
 * defaults that suit the problem, default term weights, and a builder.
 */
import type { Problem } from "../problem/problem.js";
import type { TrainConfig } from "../train/config.js";

/** A problem parameter: default, constraint and one-line doc. */
export interface ParamSpec {
  readonly default: number;
  readonly positive?: boolean;
  readonly min?: number;
  readonly doc: string;
}

/** A built-in problem. */
export interface BuiltinProblem {
  readonly name: string;
  readonly description: string;
  readonly params: Readonly<Record<string, ParamSpec>>;
  /** Training defaults that override the global ones for this problem. */
  readonly defaults: Partial<TrainConfig>;
  /** Default weight per term name (unlisted terms weigh 1). */
  readonly weights: Readonly<Record<string, number>>;
  build(params: Readonly<Record<string, number>>): Problem;
  /** The problem file it came from (absolute path); absent for the built-in zoo. */
  readonly source?: string;
}

export type { Problem };
