/**
 * `pinnlab bench suite`: train every (problem, preset, seed) of a matrix as a sweep
 * (src/cli/sweep.ts), record each run in the store, and write the table of mean and spread of the relative L2 error over seeds, with the
 * literature's numbers beside ours, to stdout and into docs/BENCHMARKS.md (its marked section).
 */
import { existsSync, readFileSync } from "node:fs";
import { resolve } from "node:path";
import { parseArgs } from "node:util";
import { type PresetName, PRESETS, isPreset } from "../problems/presets.js";
import { type BuiltinProblem, getProblem } from "../problems/index.js";
import { checkStore } from "../store/db.js";
import { writeAtomic } from "../store/rundir.js";
import { expandSpec, parseSpec } from "../sweep/spec.js";
import { type SuiteRun, markdownTable, replaceSection, summarise } from "../suite/table.js";
import { type Override, problemNames, resolveRun } from "../train/resolve.js";
import { intFlag } from "./args.js";
import { asUsage, asUsageAsync, UsageError } from "./errors.js";
import { isProblemFile, loadProblemFile } from "./problemFile.js";
import { type Executor, checkSweep, runSweep } from "./sweep.js";

function list(s: string, what: string): string[] {
  const v = s
    .split(",")
    .map((x) => x.trim())
    .filter(Boolean);
  if (v.length === 0) throw new UsageError(`--${what} ${s}: expected a comma-separated list`);
  return v;
}

/**
 * `pinnlab bench suite [--problems a,b] [--presets plain,best] [--seeds n] [--budget min] ...`:
 * a sweep over problems x presets x seeds, trained in this process by default (`--workers N`:
 * N training processes; `--queue URL [--artifacts DIR]`: on `pinnlab worker`s, checkpoints and
 * results through Redis or the shared directory DIR).
 */
export async function benchSuite(args: string[]): Promise<number> {
  const { values } = parseArgs({
    args,
    options: {
      problems: { type: "string", default: "burgers,convection" },
      presets: { type: "string", default: "plain,best" },
      seeds: { type: "string", default: "2" },
      budget: { type: "string" },
      steps: { type: "string" },
      store: { type: "string", default: "runs" },
      doc: { type: "string", default: "docs/BENCHMARKS.md" },
      workers: { type: "string", default: "0" },
      queue: { type: "string" },
      artifacts: { type: "string" },
    },
  });
  if (values.artifacts !== undefined && values.queue === undefined) {
    throw new UsageError(
      "bench suite: --artifacts DIR goes with --queue URL (the workers share DIR)",
    );
  }
  const workers = intFlag("workers", values.workers, 0);
  const problems = list(values.problems, "problems");
  const known = problemNames();
  const sources = new Map<string, BuiltinProblem>();
  for (const p of problems) {
    if (isProblemFile(p)) {
      sources.set(p, await asUsageAsync(() => loadProblemFile(p)));
      continue;
    }
    if (!known.includes(p))
      throw new UsageError(`--problems: unknown problem "${p}" (known: ${known.join(", ")})`);
    sources.set(p, getProblem(p));
  }
  const presets = list(values.presets, "presets").map((p): PresetName => {
    if (!isPreset(p))
      throw new UsageError(`--presets: unknown preset "${p}" (known: ${PRESETS.join(", ")})`);
    return p;
  });
  const seeds = intFlag("seeds", values.seeds, 1);
  const steps = values.steps === undefined ? undefined : intFlag("steps", values.steps, 1);
  let budgetMin: number | undefined;
  if (values.budget !== undefined) {
    budgetMin = Number(values.budget);
    if (!(budgetMin > 0) || !Number.isFinite(budgetMin)) {
      throw new UsageError(`--budget ${values.budget}: must be a positive number of minutes`);
    }
  }
  // resolve the whole matrix before training anything, so a bad override fails at once
  const matrix = problems.flatMap((problem) =>
    presets.flatMap((preset) =>
      Array.from({ length: seeds }, (_, seed) => {
        const source = sources.get(problem) as BuiltinProblem;
        // the preset goes to resolveRun itself: a problem file named with no preset would
        // otherwise resolve on the default recipe
        const o: Override[] = [["seed", seed]];
        if (steps !== undefined) o.push(["steps", steps]);
        const run = asUsage(() => resolveRun(source, o, preset));
        return { problem: run.problem.name, preset, seed, run };
      }),
    ),
  );
  checkStore(values.store);
  const perRun = budgetMin === undefined ? undefined : (budgetMin * 60) / matrix.length;
  // the matrix is a sweep: every run recorded with its sweep id, runs that ended are kept (the
  // same flags again only redraw the table), interrupted ones resume from their checkpoints
  const spec = parseSpec(
    {
      name: "bench",
      problems: problems.map((p) => (isProblemFile(p) ? resolve(p) : p)),
      presets,
      seeds,
      ...(steps === undefined ? {} : { steps }),
      ...(perRun === undefined ? {} : { budget: perRun }),
    },
    "bench suite",
  );
  const sweep = expandSpec(spec, { tagPrefix: "suite-" });
  const loaded = await checkSweep(sweep, "bench suite");
  const executor: Executor =
    values.queue !== undefined
      ? {
          kind: "queue",
          url: values.queue,
          ...(values.artifacts === undefined ? {} : { artifacts: values.artifacts }),
        }
      : workers === 0
        ? { kind: "inline" }
        : { kind: "pool", workers };
  const recs = await runSweep(sweep, loaded, { storeDir: values.store, executor });
  // the sweep's jobs come in the matrix's order (problems x presets x seeds)
  const runs: SuiteRun[] = recs.map((r, i) => {
    const m = matrix[i];
    return {
      problem: m.problem,
      preset: m.preset,
      seed: m.seed,
      parameters: m.run.params,
      status: r.state,
      rel_l2: r.relL2,
      steps: r.steps ?? 0,
      wall_s: r.wallS ?? 0,
      id: r.runId,
    };
  });
  const rows = summarise(runs);
  const cmd = `pinnlab bench suite ${args.join(" ")}`.trim();
  const budget =
    budgetMin === undefined ? "none" : `${budgetMin} min (${perRun?.toFixed(0)} s per run)`;
  const body = [
    `Generated ${new Date().toISOString().slice(0, 10)} by \`${cmd}\` (time budget ${budget}; ` +
      `runs stored as \`${values.store}/${sweep.id}-suite-*\`, sweep ${sweep.id}). Relative L2 ` +
      "error over each problem's " +
      "evaluation grid; mean, sample standard deviation and range over seeds 0..n-1. " +
      "The literature column lists published numbers for the same problem and parameters " +
      "(their setups differ: see `src/suite/literature.ts`).",
    "",
    markdownTable(rows, runs),
  ].join("\n");
  process.stdout.write(body + "\n");
  const old = existsSync(values.doc) ? readFileSync(values.doc, "utf8") : "";
  writeAtomic(
    values.doc,
    asUsage(() => {
      try {
        return replaceSection(old, body);
      } catch (e) {
        throw new Error(`${values.doc}: ${(e as Error).message}`, { cause: e });
      }
    }),
  );
  process.stderr.write(`pinnlab: table written to ${values.doc}\n`);
  return runs.every((r) => r.status === "completed") ? 0 : 1;
}
