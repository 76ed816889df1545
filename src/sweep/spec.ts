/**
 * A sweep's spec and its expansion into jobs: problems x presets x the `--set` grid x seeds, each
 * job with a stable id (a hash of its canonical configuration, so the same spec always gives the
 * same ids) and a readable run id. Pure apart from hashing; the CLI checks every job's keys
 * against the problem (src/cli/sweep.ts) before anything runs.
 */
import { createHash } from "node:crypto";
import { basename, extname } from "node:path";
import { PRESETS, type PresetName, isPreset } from "../problems/presets.js";

/** A value of a training key, problem parameter or weight, as `--set` takes it. */
export type SetValue = string | number | boolean;

/**
 * A job's preset: a named preset, or `none`: none named, as `pinnlab train` without `--preset`
 * (a built-in problem's measured best, a problem file's default recipe).
 */
export type SweepPreset = PresetName | "none";

/** A validated sweep spec (see {@link parseSpec} for the file format). */
export interface SweepSpec {
  /** Label of the sweep id (`<name>-<hash>`). */
  readonly name: string;
  /** Built-in problem names or problem files (absolute paths once read from a file). */
  readonly problems: readonly string[];
  readonly presets: readonly SweepPreset[];
  /** Overrides every job gets. */
  readonly set: Readonly<Record<string, SetValue>>;
  /** Keys swept over: every combination of their values is a configuration. */
  readonly grid: Readonly<Record<string, readonly SetValue[]>>;
  readonly seeds: readonly number[];
  /** First-order steps of every run (absent: the problem's default). */
  readonly steps?: number;
  /** Wall-time budget of each run's first-order phase in seconds (absent: none). */
  readonly budget?: number;
  /** Write each run's report.html. */
  readonly report: boolean;
}

/** One job of a sweep: one training run. */
export interface SweepJob {
  /** Stable id: the first 16 hex digits of sha256 over the job's canonical configuration. */
  readonly id: string;
  /** The run's id (its directory name in the store): sweep id, problem, preset, grid point, seed. */
  readonly runId: string;
  /** Position in the expansion. */
  readonly seq: number;
  readonly problem: string;
  readonly preset: SweepPreset;
  /** The `--set` overrides, fixed ones then the grid point. */
  readonly overrides: readonly (readonly [string, SetValue])[];
  readonly seed: number;
  readonly steps?: number;
  readonly budget?: number;
  readonly report: boolean;
  /** The canonical configuration without the seed: the jobs of one configuration share it. */
  readonly configKey: string;
}

/** A sweep: its id and its jobs in expansion order. */
export interface Sweep {
  readonly id: string;
  readonly spec: SweepSpec;
  readonly jobs: readonly SweepJob[];
}

const SPEC_KEYS = [
  "name",
  "problems",
  "presets",
  "set",
  "grid",
  "seeds",
  "steps",
  "budget",
  "report",
] as const;

const NAME = /^[A-Za-z0-9_][A-Za-z0-9_-]{0,39}$/;

const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === "object" && v !== null && !Array.isArray(v);

const isSetValue = (v: unknown): v is SetValue =>
  typeof v === "string" || typeof v === "boolean" || (typeof v === "number" && Number.isFinite(v));

/**
 * Check a spec read from JSON (or built from flags) and fill in its defaults.
 *
 * Format: `{ "name"?: "beta-scan", "problems": ["convection", "./heat.ts"], "presets"?: ["plain",
 * "best", "none"], "set"?: { "width": 8 }, "grid"?: { "beta": [10, 20, 30] }, "seeds"?: 3 | [0, 4],
 * "steps"?: 2000, "budget"?: 60, "report"?: true }`. `seeds: n` means seeds 0..n-1 (default 1);
 * `budget` is seconds of the first-order phase per run.
 * @param where names the spec in messages (a file name, or `--set` for flags)
 * @throws one line naming the key or value at fault (unknown key, empty grid, bad type)
 * @example parseSpec({ problems: ["convection"], grid: { beta: [10, 20] }, seeds: 2 }, "spec");
 */
export function parseSpec(raw: unknown, where: string): SweepSpec {
  if (!isObject(raw)) throw new Error(`${where}: a sweep spec is an object of keys (JSON or YAML)`);
  for (const k of Object.keys(raw)) {
    if (!(SPEC_KEYS as readonly string[]).includes(k)) {
      throw new Error(`${where}: unknown key "${k}" (known: ${SPEC_KEYS.join(", ")})`);
    }
  }
  const name = raw.name ?? "sweep";
  if (typeof name !== "string" || !NAME.test(name)) {
    throw new Error(`${where}: name ${JSON.stringify(name)}: letters, digits, _ and - (1-40)`);
  }
  const problems = raw.problems;
  if (!Array.isArray(problems) || problems.length === 0) {
    throw new Error(`${where}: problems: expected a non-empty list of problem names or files`);
  }
  for (const p of problems) {
    if (typeof p !== "string" || p === "") {
      throw new Error(`${where}: problems: ${JSON.stringify(p)} is not a problem name or file`);
    }
  }
  if (new Set(problems).size !== problems.length) {
    throw new Error(`${where}: problems: a problem is listed twice`);
  }
  const presetsRaw = raw.presets ?? ["none"];
  if (!Array.isArray(presetsRaw) || presetsRaw.length === 0) {
    throw new Error(`${where}: presets: expected a non-empty list`);
  }
  const presets = presetsRaw.map((p): SweepPreset => {
    if (p === "none" || (typeof p === "string" && isPreset(p))) return p as SweepPreset;
    throw new Error(
      `${where}: presets: unknown preset ${JSON.stringify(p)} (known: ${[...PRESETS, "none"].join(", ")})`,
    );
  });
  if (new Set(presets).size !== presets.length) {
    throw new Error(`${where}: presets: a preset is listed twice`);
  }
  const set = raw.set ?? {};
  if (!isObject(set)) throw new Error(`${where}: set: expected an object of key: value`);
  for (const [k, v] of Object.entries(set)) {
    if (!isSetValue(v)) throw new Error(`${where}: set.${k}: ${JSON.stringify(v)} is not a value`);
  }
  const grid = raw.grid ?? {};
  if (!isObject(grid)) throw new Error(`${where}: grid: expected an object of key: [values]`);
  for (const [k, vs] of Object.entries(grid)) {
    if (!Array.isArray(vs)) throw new Error(`${where}: grid.${k}: expected a list of values`);
    if (vs.length === 0) throw new Error(`${where}: grid.${k}: empty grid (no values)`);
    for (const v of vs) {
      if (!isSetValue(v)) {
        throw new Error(`${where}: grid.${k}: ${JSON.stringify(v)} is not a value`);
      }
    }
    if (new Set(vs.map((v) => JSON.stringify(v))).size !== vs.length) {
      throw new Error(`${where}: grid.${k}: a value is listed twice`);
    }
    if (Object.hasOwn(set, k)) throw new Error(`${where}: ${k}: both in set and in grid`);
  }
  for (const k of [...Object.keys(set), ...Object.keys(grid)]) {
    if (k === "seed" || k === "steps") {
      throw new Error(`${where}: ${k}: give it as the spec's "${k}s"/"steps", not a --set key`);
    }
  }
  const seedsRaw = raw.seeds ?? 1;
  let seeds: number[];
  if (typeof seedsRaw === "number") {
    if (!Number.isInteger(seedsRaw) || seedsRaw < 1) {
      throw new Error(`${where}: seeds: ${seedsRaw}: a count >= 1 or a list of seeds`);
    }
    seeds = Array.from({ length: seedsRaw }, (_, i) => i);
  } else if (Array.isArray(seedsRaw) && seedsRaw.length > 0) {
    seeds = seedsRaw.map((s) => {
      if (typeof s !== "number" || !Number.isInteger(s) || s < 0) {
        throw new Error(`${where}: seeds: ${JSON.stringify(s)} is not a non-negative integer`);
      }
      return s;
    });
    if (new Set(seeds).size !== seeds.length) throw new Error(`${where}: seeds: listed twice`);
  } else {
    throw new Error(`${where}: seeds: a count >= 1 or a non-empty list of seeds`);
  }
  const steps = raw.steps;
  if (steps !== undefined && (typeof steps !== "number" || !Number.isInteger(steps) || steps < 1)) {
    throw new Error(`${where}: steps: ${JSON.stringify(steps)}: must be a positive integer`);
  }
  const budget = raw.budget;
  if (
    budget !== undefined &&
    (typeof budget !== "number" || !(budget > 0) || budget === Infinity)
  ) {
    throw new Error(`${where}: budget: ${JSON.stringify(budget)}: positive seconds per run`);
  }
  const report = raw.report ?? true;
  if (typeof report !== "boolean") throw new Error(`${where}: report: true or false`);
  return {
    name,
    problems: problems as string[],
    presets,
    set: set as Record<string, SetValue>,
    grid: grid as Record<string, SetValue[]>,
    seeds,
    ...(steps === undefined ? {} : { steps: steps as number }),
    ...(budget === undefined ? {} : { budget: budget as number }),
    report,
  };
}

/** The number of jobs a spec expands to, computed without expanding it. */
export function jobCount(spec: SweepSpec): number {
  const grid = Object.values(spec.grid).reduce((n, vs) => n * vs.length, 1);
  return spec.problems.length * spec.presets.length * grid * spec.seeds.length;
}

/** JSON with object keys sorted at every level: equal values give equal text. */
export function canonicalJson(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(canonicalJson).join(",")}]`;
  if (isObject(v)) {
    const keys = Object.keys(v)
      .filter((k) => v[k] !== undefined)
      .sort();
    return `{${keys.map((k) => `${JSON.stringify(k)}:${canonicalJson(v[k])}`).join(",")}}`;
  }
  return JSON.stringify(v);
}

const sha = (s: string) => createHash("sha256").update(s).digest("hex");

/** Every combination of the grid's values, the first key varying slowest. */
function gridPoints(grid: SweepSpec["grid"]): [string, SetValue][][] {
  let points: [string, SetValue][][] = [[]];
  for (const [k, vs] of Object.entries(grid)) {
    points = points.flatMap((p) => vs.map((v): [string, SetValue][] => [...p, [k, v]]));
  }
  return points;
}

const slug = (s: string) => s.replace(/[^A-Za-z0-9._-]+/g, "_");

/** How {@link expandSpec} names runs. */
export interface ExpandOptions {
  /** Put before the problem in every run id (the benchmark suite's `suite-`). */
  readonly tagPrefix?: string;
}

/**
 * Expand a spec into its jobs: problems x presets x grid points x seeds, in that order (seeds
 * vary fastest). Job ids hash the canonical configuration (problem, preset, overrides sorted by
 * key, seed, steps, budget, report), so they do not depend on the order of keys in the file; the
 * sweep id hashes the sorted job ids.
 * @example expandSpec(parseSpec({ problems: ["convection"], seeds: 2 }, "spec")).jobs.length; // 2
 */
export function expandSpec(spec: SweepSpec, o: ExpandOptions = {}): Sweep {
  const points = gridPoints(spec.grid);
  const swept = Object.entries(spec.grid)
    .filter(([, vs]) => vs.length > 1)
    .map(([k]) => k);
  const drafts: Omit<SweepJob, "runId">[] = [];
  for (const problem of spec.problems) {
    for (const preset of spec.presets) {
      for (const point of points) {
        const overrides: [string, SetValue][] = [...Object.entries(spec.set), ...point];
        const config = {
          problem,
          preset,
          set: Object.fromEntries(overrides),
          steps: spec.steps,
          budget: spec.budget,
          report: spec.report,
        };
        const configKey = canonicalJson(config);
        for (const seed of spec.seeds) {
          drafts.push({
            id: sha(canonicalJson({ ...config, seed })).slice(0, 16),
            seq: drafts.length,
            problem,
            preset,
            overrides,
            seed,
            ...(spec.steps === undefined ? {} : { steps: spec.steps }),
            ...(spec.budget === undefined ? {} : { budget: spec.budget }),
            report: spec.report,
            configKey,
          });
        }
      }
    }
  }
  const id = `${spec.name}-${sha(
    drafts
      .map((d) => d.id)
      .sort()
      .join(","),
  ).slice(0, 8)}`;
  const tags = drafts.map((d) => {
    const file = /[/\\.]/.test(d.problem);
    const name = file ? basename(d.problem, extname(d.problem)) : d.problem;
    const parts = [`${o.tagPrefix ?? ""}${name}`];
    if (d.preset !== "none") parts.push(d.preset);
    for (const [k, v] of d.overrides) if (swept.includes(k)) parts.push(`${k}${String(v)}`);
    parts.push(`s${d.seed}`);
    return slug(`${id}-${parts.join("-")}`);
  });
  // two configurations whose names coincide after slugging (or a very long name): add the hash
  const seen = new Map<string, number>();
  for (const t of tags) seen.set(t, (seen.get(t) ?? 0) + 1);
  const jobs = drafts.map((d, i) => {
    const t = tags[i];
    const runId = (seen.get(t) ?? 0) > 1 || t.length > 120 ? `${t.slice(0, 100)}-${d.id}` : t;
    return { ...d, runId };
  });
  return { id, spec, jobs };
}
