/**
 * The `pinnlab` command. Every bad input ends in one line `pinnlab: error: ...` and exit status 2,
 * before anything is written.
 */
import { existsSync, readFileSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { parseArgs } from "node:util";
import type { Override } from "../train/resolve.js";
import { DEFAULT_RECIPE, MEASURED_PRESETS, PRESET_TABLE } from "../problems/presets.js";
import { prepareRunDir } from "../store/rundir.js";
import { checkStore, openStore } from "../store/db.js";
import { StoreError } from "../store/errors.js";
import { locateRun, readRunJson } from "../store/runs.js";
import { listRuns, reportRun, showRun } from "./runs.js";
import { UsageError, asUsage, asUsageAsync } from "./errors.js";

/**
 * The modules that load the engine (jax-js) and the problem zoo, imported on first use so that
 * `pinnlab runs` and `pinnlab show` start in a fraction of a second.
 */
async function heavy() {
  return {
    ...(await import("../problems/index.js")),
    ...(await import("../train/config.js")),
    ...(await import("../train/resolve.js")),
    ...(await import("./train.js")),
    ...(await import("./problemFile.js")),
  };
}

/** Per-command usage, printed by `pinnlab CMD --help` (and, joined, by `pinnlab --help`). */
const HELP: Record<string, string> = {
  problems: `  pinnlab problems                      list built-in problems, parameters and defaults
`,
  new: `  pinnlab new NAME [--out FILE]         write a commented starter problem file NAME.ts
`,
  train: `  pinnlab train <problem> [options]     train and write a run directory; <problem> is a
                                        built-in name or a problem file (./heat.ts) whose
                                        default export is a problem or a problemFactory
      --preset plain|best|default
                        the vanilla PINN, the best measured configuration (a built-in
                        problem's default), or the default recipe for problems nobody
                        tuned: float64 3 x 20 tanh, Adam 2k then SSBroyden 2k on RAD
                        points (with the autopilot, a problem file's default; plain is
                        its vanilla PINN)
      --set auto=true   autopilot: a probe of autoSteps steps, the doctor's checks, the
                        fixes they name applied, then the run (recorded as events); on
                        for a problem file without --preset (auto=false turns it off)
      --set key=value   (repeatable) any training key, problem parameter or w.<term> weight
      --steps N         Adam steps          --seed S   random seed
      --out DIR         run directory (default runs/<timestamp>-<problem>); the run
                        store pinnlab.db lives in its parent directory
      --budget S        stop the first-order phase after S seconds (the run still ends)
      --no-report       skip report.html (pinnlab report RUN writes it later)
      --sweep ID        record the run as a job of sweep ID (set by pinnlab sweep)
      --help            list every key with its default for <problem>
  pinnlab train --resume RUN [--store DIR] [--budget S] [--no-report] [--sweep ID]
                                        continue a run from its last checkpoint, bit for bit
`,
  runs: `  pinnlab runs [--problem P] [--status S] [--sweep ID] [--store DIR] [--json]
                                        list recorded runs (store: runs/pinnlab.db)
`,
  show: `  pinnlab show RUN [--store DIR] [--json]
                                        one run: configuration, status, events, last records
      RUN is a run directory, a run id, or a unique part of one
`,
  report: `  pinnlab report RUN [--store DIR]      regenerate the run's self-contained report.html
      RUN is a run directory, a run id, or a unique part of one
`,
  diagnose: `  pinnlab diagnose <problem> [--preset P] [--set ...] [--steps N] [--json]
                                        train briefly, then name what goes wrong and the fix
  pinnlab diagnose --run RUN [--json]   the same on a saved run's last checkpoint
`,
  export: `  pinnlab export RUN --format onnx|json [--out FILE] [--store DIR]
                                        write the network of the run's last checkpoint
                                        (normalisation, embeddings, hard-constraint transform)
                                        as ONNX (opset 17, float64) or pinnlab's JSON model
                                        (loadModel); default FILE: RUN/model.onnx|json
`,
  serve: `  pinnlab serve [--store DIR] [--port N] [--host H]
                                        read-only dashboard over the run store (default
                                        runs/, http://127.0.0.1:8750); /play is the playground
`,
  sweep: `  pinnlab sweep SPEC.json|SPEC.yaml [--workers N | --queue redis://HOST:PORT
      [--artifacts DIR]] [--store DIR] [--max-jobs N] [--json]
                                        train every job of a sweep (problems x presets x
                                        --set grid x seeds) into the store; jobs that ended
                                        are skipped, interrupted ones resume from checkpoints
  pinnlab sweep --problems a,b [--presets plain,best] [--set key=v1,v2,...] [--seeds N]
      [--steps N] [--budget S] [--name NAME] [--no-report] ...
                                        the same from flags; --set key=a,b sweeps key
      --workers N       N local training processes (default: the CPU count; 0: this process)
      --queue URL       put the jobs on a BullMQ queue for pinnlab worker; results come back
      --artifacts DIR   checkpoints and results through DIR, shared with the workers,
                        instead of Redis
  pinnlab sweep status|results SWEEP [--store DIR] [--json]
                                        a sweep's jobs, or per configuration the mean, spread
                                        and range over seeds with failures and their messages
`,
  worker: `  pinnlab worker --queue redis://HOST:PORT [--artifacts DIR] [--concurrency K]
      [--work DIR] [--lock MS] [--stalled-interval MS]
                                        train sweep jobs from the queue; checkpoints go to
                                        Redis (or DIR, when the sweep was submitted with
                                        --artifacts), so a job whose worker dies resumes
                                        elsewhere. Problem files come in the jobs' data.
                                        SIGTERM: finish the current jobs and exit (twice:
                                        stop now, jobs go back to the queue)
`,
  "bench step": `  pinnlab bench step --problem burgers --width W --depth D --points N [--steps K] [--json]
      [--precision float32|float64] [--backend auto|kernels|jax | --compare]
                                        median ms per training step; --compare
                                        times jax and the fused kernels interleaved
`,
  "bench gemm": `  pinnlab bench gemm [--m 8192 --n 256 --k 256] [--tiles 4x8,3x12,2x16] [--rounds R] [--json]
      [--precision float32|float64] [--plain]
                                        GFLOP/s of the kernel GEMM per register tile
`,
  "bench suite": `  pinnlab bench suite [--problems a,b] [--presets plain,best] [--seeds N] [--budget MIN]
      [--steps N] [--store DIR] [--doc FILE] [--workers N | --queue redis://HOST:PORT
      [--artifacts DIR]]                train the matrix as a sweep (in this process unless
                                        --workers/--queue), store every run, print the table
                                        and write it into docs/BENCHMARKS.md; runs that
                                        ended before are kept, not trained again
`,
};
HELP["bench unseen"] =
  `  pinnlab bench unseen [--dir bench/unseen] [--only a,b] [--presets plain,default,autopilot]
      [--set key=value] [--store DIR] [--doc FILE|-]
                                        train the problems nobody tuned (problem files with
                                        exact solutions), print rel L2 and CPU seconds per
                                        preset (autopilot: the default recipe with auto=true),
                                        write the table into docs/BENCHMARKS.md
`;
HELP.bench = HELP["bench step"] + HELP["bench gemm"] + HELP["bench suite"] + HELP["bench unseen"];

const USAGE = `pinnlab: physics-informed neural networks that show why training fails

usage:
${["problems", "new", "train", "runs", "show", "report", "diagnose", "export", "serve", "sweep", "worker", "bench"].map((c) => HELP[c]).join("")}  pinnlab --version                     print the version
  pinnlab CMD --help                    usage of one command
`;

/** The package's version, read from its package.json (two levels above src/cli and dist/cli). */
function version(): string {
  const pkg = JSON.parse(readFileSync(new URL("../../package.json", import.meta.url), "utf8")) as {
    version: string;
  };
  return pkg.version;
}

/** `--help` or `-h` anywhere among the arguments (before a `--`). */
function wantsHelp(args: readonly string[]): boolean {
  for (const a of args) {
    if (a === "--") return false;
    if (a === "--help" || a === "-h") return true;
  }
  return false;
}

async function listProblems(): Promise<string> {
  const { PROBLEMS, defaultTrainConfig } = await heavy();
  const base = defaultTrainConfig() as unknown as Record<string, unknown>;
  const lines: string[] = [];
  for (const p of Object.values(PROBLEMS)) {
    lines.push(`${p.name}: ${p.description}`);
    const params = Object.entries(p.params).map(([k, s]) => `${k}=${s.default}`);
    lines.push(`  parameters: ${params.length ? params.join(" ") : "(none)"}`);
    const d = Object.entries(p.defaults)
      .filter(([k, v]) => base[k] !== v)
      .map(([k, v]) => `${k}=${v}`);
    lines.push(`  defaults:   ${d.join(" ")}`);
    for (const name of MEASURED_PRESETS) {
      const pr = PRESET_TABLE[p.name][name];
      const sets = Object.entries(pr.set).map(([k, v]) => `${k}=${v}`);
      lines.push(`  --preset ${name}: ${sets.length ? sets.join(" ") : "(defaults)"}  [${pr.why}]`);
    }
  }
  lines.push("", defaultRecipeLine());
  return lines.join("\n");
}

/** What the default recipe is and when it applies (`pinnlab problems`, `train --help`). */
function defaultRecipeLine(): string {
  const sets = Object.entries(DEFAULT_RECIPE.set).map(([k, v]) => `${k}=${v}`);
  return [
    `Without --preset, \`pinnlab train\` trains a built-in problem with its --preset best and a`,
    `problem file with --preset default and the autopilot (auto=true), the recipe for problems`,
    `  nobody tuned (no RAD redraws off a box domain): ${sets.join(" ")}`,
    `  [${DEFAULT_RECIPE.why}]`,
  ].join("\n");
}

async function trainHelp(problem: string): Promise<string> {
  const { resolveRun, commandPreset, TRAIN_SCHEMA, loadProblem } = await heavy();
  const p = await asUsageAsync(() => loadProblem(problem));
  const preset = commandPreset(p);
  const r = asUsage(() => resolveRun(p, [], preset));
  const cfg = r.config as unknown as Record<string, unknown>;
  const lines = [
    `pinnlab train ${problem} [--set key=value]... [--steps N] [--seed S] [--out DIR]`,
    "",
  ];
  lines.push(`${r.builtin.description}`, "", "problem parameters:");
  for (const [k, s] of Object.entries(r.builtin.params))
    lines.push(`  ${k.padEnd(18)} ${String(s.default).padEnd(12)} ${s.doc}`);
  lines.push("", "term weights:");
  for (const [k, w] of Object.entries(r.weights)) lines.push(`  w.${k.padEnd(16)} ${w}`);
  lines.push(
    "",
    preset === undefined
      ? "training keys:"
      : `training keys (as trained without --preset, i.e. with --preset ${preset}):`,
  );
  for (const [k, s] of Object.entries(TRAIN_SCHEMA)) {
    const type = s.kind === "enum" ? s.choices.join("|") : s.kind;
    lines.push(`  ${k.padEnd(18)} ${String(cfg[k]).padEnd(12)} ${s.doc} (${type})`);
  }
  lines.push("", defaultRecipeLine());
  return lines.join("\n");
}

async function main(argv: string[]): Promise<number> {
  const [cmd, ...rest] = argv;
  if (cmd !== undefined && wantsHelp(rest)) {
    // `train <problem> --help` lists the problem's keys; every other command prints its usage
    const sub = cmd === "bench" && rest[0] && !rest[0].startsWith("-") ? `bench ${rest[0]}` : cmd;
    const trainProblem = cmd === "train" && rest[0] !== undefined && !rest[0].startsWith("-");
    if (!trainProblem) {
      const text = HELP[sub];
      if (text === undefined) throw new UsageError(`unknown command "${sub}" (try pinnlab --help)`);
      process.stdout.write(`usage:\n${text}`);
      return 0;
    }
  }
  switch (cmd) {
    case undefined:
    case "help":
    case "--help":
    case "-h":
      process.stdout.write(USAGE);
      return 0;
    case "--version":
    case "-V":
    case "version":
      console.log(version());
      return 0;
    case "problems":
      console.log(await listProblems());
      return 0;
    case "train": {
      const { values, positionals } = parseArgs({
        args: rest,
        allowPositionals: true,
        options: {
          set: { type: "string", multiple: true },
          steps: { type: "string" },
          seed: { type: "string" },
          out: { type: "string" },
          resume: { type: "string" },
          store: { type: "string", default: "runs" },
          preset: { type: "string" },
          budget: { type: "string" },
          "no-report": { type: "boolean" },
          sweep: { type: "string" },
          help: { type: "boolean" },
        },
      });
      let budget: number | undefined;
      if (values.budget !== undefined) {
        budget = Number(values.budget);
        if (!(budget > 0) || !Number.isFinite(budget)) {
          throw new UsageError(`--budget ${values.budget}: must be a positive number of seconds`);
        }
      }
      const runOpts = {
        stopAfterSeconds: budget,
        report: !values["no-report"],
        sweepId: values.sweep,
      };
      if (values.resume !== undefined) {
        const extra = positionals.length > 0 || values.set || values.steps || values.seed;
        if (extra || values.out) {
          throw new UsageError(
            "train --resume RUN: takes no problem, --set, --steps, --seed or --out",
          );
        }
        const storeDir = values.store;
        const loc = locateRun(values.resume, storeDir, () =>
          openStore(storeDir, { create: false }),
        );
        if (existsSync(resolve(loc.dir, "metrics.json"))) {
          const m = readRunJson(loc.dir, "metrics.json");
          throw new UsageError(
            `run ${loc.id}: already ended (${String(m.status)}); nothing to resume`,
          );
        }
        const { resolveRunDir, runTraining } = await heavy();
        const run = await asUsageAsync(() => resolveRunDir(loc.dir));
        return runTraining(run, loc.dir, { ...runOpts, resume: true });
      }
      if (positionals.length !== 1)
        throw new UsageError("train: expected exactly one problem name");
      const name = positionals[0];
      if (values.help) {
        console.log(await trainHelp(name));
        return 0;
      }
      const { parseSet, resolveRun, commandPreset, runTraining, withAutopilot, loadProblem } =
        await heavy();
      const overrides: Override[] = asUsage(() => (values.set ?? []).map(parseSet));
      if (values.steps !== undefined) {
        const n = Number(values.steps);
        if (!Number.isInteger(n) || n < 1) {
          throw new UsageError(`--steps ${values.steps}: must be a positive integer`);
        }
        overrides.push(["steps", n]);
      }
      if (values.seed !== undefined) {
        const n = Number(values.seed);
        if (!Number.isInteger(n) || n < 0) {
          throw new UsageError(`--seed ${values.seed}: must be a non-negative integer`);
        }
        overrides.push(["seed", n]);
      }
      const problem = await asUsageAsync(() => loadProblem(name));
      const preset = values.preset ?? commandPreset(problem);
      const run = asUsage(() => resolveRun(problem, overrides, preset));
      const stamp = new Date().toISOString().replace(/[:.]/g, "-");
      const out = values.out ?? `runs/${stamp}-${run.problem.name}`;
      // a foreign or corrupt store beside the run is refused before anything is written
      const storeDir = dirname(resolve(out));
      checkStore(storeDir);
      asUsage(() => prepareRunDir(out));
      // said once the input is accepted (a usage error stays one line)
      if (values.preset === undefined && preset !== undefined) {
        process.stderr.write(
          `pinnlab: no --preset: ${name} trains with its measured --preset ${preset} (--preset plain is the vanilla PINN)\n`,
        );
      }
      const a = await withAutopilot(run, (m) => process.stderr.write(`pinnlab: ${m}\n`));
      const decisions = a.decisions ? { autopilot: a.decisions } : {};
      return runTraining(a.run, out, { ...runOpts, preset, ...decisions });
    }
    case "diagnose":
      return (await import("./diagnose.js")).diagnose(rest);
    case "new":
      return (await import("./new.js")).newProblem(rest);
    case "export":
      return (await import("./export.js")).exportRun(rest);
    case "runs":
      return listRuns(rest);
    case "show":
      return showRun(rest);
    case "report":
      return reportRun(rest);
    case "serve":
      return (await import("./serve.js")).serve(rest);
    case "sweep":
      return (await import("./sweep.js")).sweep(rest);
    case "worker":
      return (await import("./worker.js")).worker(rest);
    case "bench": {
      const [sub, ...args] = rest;
      if (sub === "step") return (await import("./bench.js")).benchStep(args);
      if (sub === "gemm") return (await import("./benchGemm.js")).benchGemm(args);
      if (sub === "suite") return (await import("./suite.js")).benchSuite(args);
      if (sub === "unseen") return (await import("./unseen.js")).benchUnseen(args);
      throw new UsageError(
        `bench: unknown benchmark "${sub ?? ""}" (known: step, gemm, suite, unseen)`,
      );
    }
    default:
      throw new UsageError(`unknown command "${cmd}" (try pinnlab --help)`);
  }
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (e: unknown) => {
    const err = e as Error & { code?: string };
    // input errors (ours, or node's argument parser) are the user's: one line, status 2
    const input =
      err instanceof UsageError ||
      err instanceof StoreError ||
      err.code?.startsWith("ERR_PARSE_ARGS");
    if (input) {
      process.stderr.write(`pinnlab: error: ${err.message.split("\n")[0]}\n`);
      process.exitCode = 2;
    } else {
      process.stderr.write(`pinnlab: internal error: ${err.stack ?? err.message}\n`);
      process.exitCode = 1;
    }
  },
);
