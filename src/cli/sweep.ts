/**
 * `pinnlab sweep`: expand a spec (a JSON or YAML file, or flags) into jobs, check every job before
 * anything runs, record the sweep in the store, and train the jobs that have not ended: on a
 * local pool of `pinnlab train` child processes (default), in this process (`--workers 0`, the
 * benchmark suite's default), or on a BullMQ queue that `pinnlab worker`s take jobs from
 * (`--queue redis://HOST:PORT`). `pinnlab sweep status|results SWEEP` read the store.
 */
import { existsSync, mkdirSync, readFileSync } from "node:fs";
import { availableParallelism } from "node:os";
import { dirname, join, resolve } from "node:path";
import { parseArgs } from "node:util";
import { parse as parseYaml } from "yaml";
import type { BuiltinProblem } from "../problems/index.js";
import { type RunStore, type SweepJobState, checkStore, openStore } from "../store/db.js";
import { StoreError } from "../store/errors.js";
import { prepareRunDir } from "../store/rundir.js";
import {
  type JobRecord,
  type JobState,
  emptyCounts,
  resultsText,
  summariseSweep,
} from "../sweep/aggregate.js";
import { crashMessage, planJob, runEnd, startTrain, trainArgs } from "../sweep/jobs.js";
import {
  type SetValue,
  type Sweep,
  type SweepJob,
  type SweepSpec,
  expandSpec,
  jobCount,
  parseSpec,
} from "../sweep/spec.js";
import { intFlag } from "./args.js";
import { UsageError, asUsage, asUsageAsync } from "./errors.js";

/**
 * Where a sweep's jobs run. A queue's `artifacts` is the shared directory that carries
 * checkpoints and results instead of Redis (`--artifacts DIR`).
 */
export type Executor =
  | { kind: "inline" }
  | { kind: "pool"; workers: number }
  | { kind: "queue"; url: string; artifacts?: string };

/** The default ceiling on a sweep's job count (`--max-jobs`). */
export const MAX_JOBS = 1000;

/** A problem argument that names a file rather than a built-in problem. */
function looksLikeFile(p: string): boolean {
  return /[/\\]/.test(p) || /\.(m?[jt]s)$/.test(p);
}

/** A flag's value as JSON would give it: numbers and booleans typed, so both spell one id. */
function typed(v: string): SetValue {
  if (v === "true" || v === "false") return v === "true";
  const n = Number(v);
  return v.trim() !== "" && Number.isFinite(n) && /^[-+0-9.eE]+$/.test(v) ? n : v;
}

/**
 * A spec from `pinnlab sweep` flags: `--set key=a,b,c` sweeps `key` over a, b, c (a key whose
 * values are themselves lists, like `hard=ic,bc`, is taken whole; grid it in a spec file).
 */
async function specFromFlags(v: {
  problems?: string;
  presets?: string;
  set?: string[];
  seeds?: string;
  steps?: string;
  budget?: string;
  name?: string;
  "no-report"?: boolean;
}): Promise<unknown> {
  if (v.problems === undefined) {
    throw new UsageError("sweep: give a spec file (sweep SPEC.json) or --problems a,b");
  }
  const { TRAIN_SCHEMA } = await import("../train/config.js");
  const split = (s: string) =>
    s
      .split(",")
      .map((x) => x.trim())
      .filter(Boolean);
  const set: Record<string, SetValue> = {};
  const grid: Record<string, SetValue[]> = {};
  for (const s of v.set ?? []) {
    const i = s.indexOf("=");
    if (i <= 0) throw new UsageError(`--set ${s}: expected key=value or key=a,b,c`);
    const k = s.slice(0, i).trim();
    const raw = s.slice(i + 1).trim();
    const listKey = Object.hasOwn(TRAIN_SCHEMA, k) && TRAIN_SCHEMA[k as "hard"].kind === "list";
    if (raw.includes(",") && !listKey) grid[k] = split(raw).map(typed);
    else set[k] = typed(raw);
  }
  const num = (flag: string, s: string | undefined) => {
    if (s === undefined) return undefined;
    const n = Number(s);
    if (!Number.isFinite(n)) throw new UsageError(`--${flag} ${s}: expected a number`);
    return n;
  };
  return {
    ...(v.name === undefined ? {} : { name: v.name }),
    problems: split(v.problems),
    ...(v.presets === undefined ? {} : { presets: split(v.presets) }),
    set,
    grid,
    ...(v.seeds === undefined
      ? {}
      : { seeds: v.seeds.includes(",") ? split(v.seeds).map(Number) : Number(v.seeds) }),
    ...(v.steps === undefined ? {} : { steps: num("steps", v.steps) }),
    ...(v.budget === undefined ? {} : { budget: num("budget", v.budget) }),
    ...(v["no-report"] ? { report: false } : {}),
  };
}

/**
 * Parse a spec file's text: YAML when the name ends in `.yaml` or `.yml` (YAML 1.2 core schema:
 * strings, numbers, booleans, null, lists and maps; a repeated key is an error), JSON otherwise.
 * Either gives the same object to {@link parseSpec}.
 * @throws UsageError, one line naming the file and the first syntax error
 * @example parseSpecText("problems: [convection]\nseeds: 2\n", "spec.yaml"); // { problems: ["convection"], seeds: 2 }
 */
export function parseSpecText(text: string, file: string): unknown {
  if (/\.ya?ml$/i.test(file)) {
    try {
      return parseYaml(text, { schema: "core" }) as unknown;
    } catch (e) {
      const first = (e as Error).message.split("\n")[0].replace(/:$/, "");
      throw new UsageError(`${file}: not YAML (${first})`);
    }
  }
  try {
    return JSON.parse(text) as unknown;
  } catch (e) {
    throw new UsageError(`${file}: not JSON (${(e as Error).message})`);
  }
}

/** Read a spec file (JSON, or YAML by its extension). */
function readSpecFile(file: string): unknown {
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (e) {
    throw new UsageError(`${file}: cannot read (${(e as NodeJS.ErrnoException).code ?? e})`);
  }
  return parseSpecText(text, file);
}

/** Problem files as absolute paths (relative ones are relative to `base`), names kept. */
function absoluteProblems(spec: SweepSpec, base: string): SweepSpec {
  return {
    ...spec,
    problems: spec.problems.map((p) => (looksLikeFile(p) ? resolve(base, p) : p)),
  };
}

/**
 * Load every problem of a sweep and resolve one job of each configuration, so an unknown problem
 * or key, an ill-typed value or a preset a problem lacks fails before anything is recorded.
 * @returns the loaded problems by the name the spec gives them
 * @throws UsageError naming the spec and the culprit
 */
export async function checkSweep(
  sweep: Sweep,
  where: string,
): Promise<Map<string, BuiltinProblem>> {
  const { getProblem } = await import("../problems/index.js");
  const { resolveRun, problemNames } = await import("../train/resolve.js");
  const { loadProblemFile } = await import("./problemFile.js");
  const sources = new Map<string, BuiltinProblem>();
  const known = problemNames();
  for (const p of sweep.spec.problems) {
    if (looksLikeFile(p)) {
      sources.set(p, await asUsageAsync(() => loadProblemFile(p)));
    } else if (known.includes(p)) {
      sources.set(p, getProblem(p));
    } else {
      throw new UsageError(`${where}: unknown problem "${p}" (known: ${known.join(", ")})`);
    }
  }
  const seen = new Set<string>();
  for (const job of sweep.jobs) {
    if (seen.has(job.configKey)) continue;
    seen.add(job.configKey);
    const source = sources.get(job.problem) as BuiltinProblem;
    try {
      resolveRun(source, jobOverrides(job), job.preset === "none" ? undefined : job.preset);
    } catch (e) {
      throw new UsageError(`${where}: ${job.problem}: ${(e as Error).message}`);
    }
  }
  return sources;
}

/** A job's overrides as `resolveRun` takes them (seed and steps included). */
function jobOverrides(job: SweepJob): [string, SetValue][] {
  return [
    ...job.overrides.map(([k, v]): [string, SetValue] => [k, v]),
    ["seed", job.seed],
    ...(job.steps === undefined ? [] : [["steps", job.steps] as [string, SetValue]]),
  ];
}

/** Record a sweep and its jobs in the store (jobs already recorded keep their state). */
export function recordSweep(store: RunStore, sweep: Sweep): void {
  store.addSweep(
    sweep.id,
    sweep.spec,
    sweep.jobs.map((j) => ({
      sweep_id: sweep.id,
      job_id: j.id,
      seq: j.seq,
      run_id: j.runId,
      config_key: j.configKey,
      seed: j.seed,
      job: { ...j },
      state: "queued",
      message: "",
    })),
  );
}

/** The sweep's progress on stderr: one line for the sweep and one per active job. */
export interface SweepDisplay {
  /** A job started (or was found ended: `ended`). */
  start(runId: string): void;
  /** A line the job's training wrote (progress records, notes). */
  line(runId: string, text: string): void;
  end(runId: string, state: JobState, detail: string): void;
  /** Count a job that had ended before this sweep process started. */
  ended(state: JobState): void;
  note(text: string): void;
  close(): void;
}

/**
 * The progress display: on a terminal a block redrawn in place (at most 5 times a second);
 * otherwise one line per job that starts or ends, and notes.
 */
export function sweepDisplay(id: string, total: number): SweepDisplay {
  const tty = Boolean(process.stderr.isTTY);
  const active = new Map<string, string>();
  const counts = emptyCounts();
  const t0 = performance.now();
  let drawn = 0;
  let last = 0;
  const head = () => {
    const ended = counts.completed + counts.diverged + counts.failed;
    const bad = counts.diverged + counts.failed;
    const s = ((performance.now() - t0) / 1000).toFixed(0);
    return `sweep ${id}: ${ended}/${total} ended${bad ? ` (${bad} failed)` : ""}, ${active.size} running, ${s} s`;
  };
  const draw = (force: boolean) => {
    if (!tty) return;
    const now = performance.now();
    if (!force && now - last < 200) return;
    last = now;
    const cols = (process.stderr.columns ?? 120) - 1;
    const lines = [head(), ...[...active].map(([r, l]) => `  ${r}: ${l}`)].map((l) =>
      l.slice(0, cols),
    );
    process.stderr.write(`${drawn ? `\x1b[${drawn}F` : ""}\x1b[J${lines.join("\n")}\n`);
    drawn = lines.length;
  };
  const say = (text: string) => {
    if (tty) {
      process.stderr.write(`${drawn ? `\x1b[${drawn}F` : ""}\x1b[J${text}\n`);
      drawn = 0;
      draw(true);
    } else process.stderr.write(`${text}\n`);
  };
  return {
    start(runId) {
      active.set(runId, "starting");
      if (!tty) say(`${head()}; started ${runId}`);
      else draw(true);
    },
    line(runId, text) {
      if (!active.has(runId)) return;
      // a progress record reads `<problem> <phase> <step>  loss ...`: keep the latest
      active.set(runId, text.replace(/^pinnlab: /, ""));
      draw(false);
    },
    end(runId, state, detail) {
      active.delete(runId);
      counts[state]++;
      say(`${head()}; ${runId} ${state}${detail ? `: ${detail}` : ""}`);
    },
    ended(state) {
      counts[state]++;
    },
    note(text) {
      say(`sweep ${id}: ${text}`);
    },
    close() {
      draw(true);
    },
  };
}

/** The rel L2 summary of an ended run for progress lines. */
function endDetail(dir: string, state: SweepJobState, message: string): string {
  if (state !== "completed") return message;
  try {
    const m = JSON.parse(readFileSync(join(dir, "metrics.json"), "utf8")) as {
      rel_l2?: number | null;
      steps?: number;
      wall_s?: number;
    };
    const err = typeof m.rel_l2 === "number" ? `rel L2 ${m.rel_l2.toExponential(2)}, ` : "";
    return `${err}${m.steps} steps, ${m.wall_s?.toFixed(1)} s`;
  } catch {
    return "";
  }
}

/** A job left to train, and whether it continues from its run directory. */
interface Pending {
  job: SweepJob;
  resume: boolean;
}

/**
 * The jobs of a sweep that still need training; ended ones are recorded as such. A job whose run
 * is being trained by a live process (another sweep on the same store) is left alone.
 */
function pendingJobs(
  sweep: Sweep,
  store: RunStore,
  storeDir: string,
  display: SweepDisplay,
): Pending[] {
  const out: Pending[] = [];
  let ended = 0;
  const recorded = new Map(store.sweepJobs(sweep.id).map((j) => [j.job_id, j]));
  for (const job of sweep.jobs) {
    const row = store.get(job.runId);
    if (row?.status === "running") {
      display.note(`${job.runId} is being trained by process ${row.pid}; left to it`);
      continue;
    }
    const plan = planJob(join(storeDir, job.runId));
    switch (plan.kind) {
      case "done":
        if (recorded.get(job.id)?.state !== plan.state) {
          store.setJobState(sweep.id, job.id, plan.state, plan.message);
        }
        display.ended(plan.state);
        ended++;
        break;
      case "resume":
      case "fresh":
        out.push({ job, resume: plan.kind === "resume" });
        break;
      default: {
        const never: never = plan;
        throw new Error(`unknown plan ${JSON.stringify(never)}`);
      }
    }
  }
  if (ended) display.note(`${ended} of ${sweep.jobs.length} jobs ended before: not trained again`);
  return out;
}

/** Train pending jobs on `workers` child processes at a time. */
async function runPool(
  sweep: Sweep,
  pending: Pending[],
  store: RunStore,
  storeDir: string,
  workers: number,
  display: SweepDisplay,
): Promise<void> {
  const next = async (): Promise<void> => {
    for (let p = pending.shift(); p; p = pending.shift()) {
      const { job, resume } = p;
      const dir = join(storeDir, job.runId);
      store.setJobState(sweep.id, job.id, "running", "");
      display.start(job.runId);
      const child = startTrain(trainArgs(job, dir, sweep.id, resume), (l) =>
        display.line(job.runId, l),
      );
      const exit = await child.done;
      const end = runEnd(dir);
      const state: SweepJobState = end ? end.state : "failed";
      const message = end ? end.message : crashMessage(exit);
      store.setJobState(sweep.id, job.id, state, message);
      display.end(job.runId, state, endDetail(dir, state, message));
    }
  };
  await Promise.all(Array.from({ length: Math.min(workers, pending.length) }, next));
}

/** Train pending jobs one after another in this process (no isolation: fastest for tiny runs). */
async function runInline(
  sweep: Sweep,
  pending: Pending[],
  sources: Map<string, BuiltinProblem>,
  store: RunStore,
  storeDir: string,
  display: SweepDisplay,
): Promise<void> {
  const { executeRun, resolveRunDir, withAutopilot } = await import("./train.js");
  const { commandPreset, resolveRun } = await import("../train/resolve.js");
  for (const { job, resume } of pending) {
    const dir = join(storeDir, job.runId);
    store.setJobState(sweep.id, job.id, "running", "");
    display.start(job.runId);
    let state: SweepJobState;
    let message: string;
    try {
      // `none` is what `pinnlab train` does without --preset, as in a child process
      const source = sources.get(job.problem) as BuiltinProblem;
      const preset = job.preset === "none" ? commandPreset(source) : job.preset;
      const opts = {
        stopAfterSeconds: job.budget,
        report: job.report,
        sweepId: sweep.id,
        ...(preset === undefined ? {} : { preset }),
      };
      if (resume) {
        await executeRun(await resolveRunDir(dir), dir, { ...opts, resume: true });
      } else {
        const run = resolveRun(source, jobOverrides(job), preset);
        prepareRunDir(dir);
        const a = await withAutopilot(run, (m) => display.line(job.runId, m));
        await executeRun(a.run, dir, {
          ...opts,
          ...(a.decisions ? { autopilot: a.decisions } : {}),
        });
      }
      const end = runEnd(dir);
      state = end ? end.state : "failed";
      message = end ? end.message : "the run wrote no metrics.json";
    } catch (e) {
      // one job's exception fails that job; the sweep goes on
      state = "failed";
      message = (e as Error).message.split("\n")[0];
    }
    store.setJobState(sweep.id, job.id, state, message);
    display.end(job.runId, state, endDetail(dir, state, message));
  }
}

/** How to run a checked sweep. */
export interface RunSweepOptions {
  readonly storeDir: string;
  readonly executor: Executor;
}

/**
 * Record a checked sweep in the store and train every job that has not ended (resuming started
 * ones from their checkpoints).
 * @returns the job records after the sweep
 */
export async function runSweep(
  sweep: Sweep,
  sources: Map<string, BuiltinProblem>,
  o: RunSweepOptions,
): Promise<JobRecord[]> {
  const queue =
    o.executor.kind === "queue"
      ? await (
          await import("./sweepQueue.js")
        ).connectSubmitter(o.executor.url, o.executor.artifacts ?? null)
      : null;
  mkdirSync(o.storeDir, { recursive: true });
  const store = openStore(o.storeDir, { create: true });
  try {
    recordSweep(store, sweep);
    const display = sweepDisplay(sweep.id, sweep.jobs.length);
    const pending = pendingJobs(sweep, store, o.storeDir, display);
    switch (o.executor.kind) {
      case "inline":
        await runInline(sweep, pending, sources, store, o.storeDir, display);
        break;
      case "pool":
        await runPool(sweep, pending, store, o.storeDir, o.executor.workers, display);
        break;
      case "queue":
        await (queue as NonNullable<typeof queue>).run(
          sweep,
          pending.map((p) => p.job),
          store,
          o.storeDir,
          display,
        );
        break;
      default: {
        const never: never = o.executor;
        throw new Error(`unknown executor ${JSON.stringify(never)}`);
      }
    }
    display.close();
    return jobRecords(store, sweep.id);
  } finally {
    await queue?.close();
    store.close();
  }
}

/** Read a sweep's jobs with their runs' results. */
export function jobRecords(store: RunStore, sweepId: string): JobRecord[] {
  const spec = store.sweeps().find((s) => s.id === sweepId)?.spec ?? {};
  const gridKeys = Object.keys((spec.grid ?? {}) as object);
  return store.sweepJobs(sweepId).map((j) => {
    const job = j.job as unknown as SweepJob;
    const run = store.get(j.run_id);
    const point = Object.fromEntries(job.overrides.filter(([k]) => gridKeys.includes(k)));
    // a job the store says is running whose process is gone: interrupted, resumed next time
    // (a queued job on a worker has no row here until its result comes back)
    const interrupted = j.state === "running" && run !== null && run.status !== "running";
    return {
      jobId: j.job_id,
      runId: j.run_id,
      configKey: j.config_key,
      problem: run?.problem ?? job.problem,
      preset: job.preset,
      point,
      seed: j.seed,
      state: interrupted ? "queued" : j.state,
      message: interrupted
        ? `interrupted${run?.checkpoint_step ? ` at checkpoint step ${run.checkpoint_step}` : ""}; the next run of the spec resumes it`
        : j.message,
      relL2: run?.rel_l2 ?? null,
      steps: run ? run.steps : null,
      wallS: run?.wall_s ?? null,
    };
  });
}

/** Text of `sweep status`: counts, then one line per job. */
function statusText(id: string, recs: readonly JobRecord[]): string {
  const c = emptyCounts();
  for (const r of recs) c[r.state]++;
  const counts = (Object.keys(c) as JobState[]).map((k) => `${c[k]} ${k}`).join(", ");
  const lines = [`sweep ${id}: ${recs.length} jobs: ${counts}`];
  for (const r of recs) {
    const what =
      r.state === "completed"
        ? r.relL2 === null
          ? `${r.steps} steps`
          : `rel L2 ${r.relL2.toExponential(3)}, ${r.steps} steps`
        : r.message;
    lines.push(`${r.state.padEnd(9)} ${r.runId}${what ? `  ${what}` : ""}`);
  }
  return lines.join("\n");
}

/** Find a sweep by id, a unique part of one, or its spec file. */
function findSweep(store: RunStore, arg: string): string {
  const all = store.sweeps().map((s) => s.id);
  if (all.includes(arg)) return arg;
  const hits = all.filter((id) => id.includes(arg));
  if (hits.length === 1) return hits[0];
  if (hits.length > 1) {
    throw new StoreError(
      `sweep ${arg}: ambiguous, ${hits.length} sweeps match (${hits.join(", ")})`,
    );
  }
  if (existsSync(arg)) {
    const spec = absoluteProblems(
      asUsage(() => parseSpec(readSpecFile(arg), arg)),
      dirname(resolve(arg)),
    );
    const id = expandSpec(spec).id;
    if (all.includes(id)) return id;
    throw new StoreError(`${arg}: its sweep ${id} is not in ${store.path}`);
  }
  throw new StoreError(`sweep ${arg}: no such sweep in ${store.path}`);
}

async function sweepReport(kind: "status" | "results", args: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: { store: { type: "string", default: "runs" }, json: { type: "boolean" } },
  });
  if (positionals.length !== 1) throw new UsageError(`sweep ${kind}: expected one SWEEP`);
  const store = openStore(values.store, { create: false });
  try {
    const id = findSweep(store, positionals[0]);
    const recs = jobRecords(store, id);
    if (kind === "status") {
      if (values.json) {
        const counts = emptyCounts();
        for (const r of recs) counts[r.state]++;
        console.log(JSON.stringify({ id, counts, jobs: recs }, null, 2));
      } else console.log(statusText(id, recs));
    } else {
      const rows = summariseSweep(recs);
      if (values.json) console.log(JSON.stringify({ id, configurations: rows }, null, 2));
      else console.log(`sweep ${id}\n${resultsText(rows)}`);
    }
    return 0;
  } finally {
    store.close();
  }
}

/**
 * `pinnlab sweep SPEC|--problems ... [--workers N | --queue URL [--artifacts DIR]] [--store DIR]`,
 * and
 * `pinnlab sweep status|results SWEEP [--store DIR] [--json]`.
 * @returns 0 when every job completed, 1 when one failed or diverged
 */
export async function sweep(args: string[]): Promise<number> {
  if (args[0] === "status" || args[0] === "results") return sweepReport(args[0], args.slice(1));
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: {
      problems: { type: "string" },
      presets: { type: "string" },
      set: { type: "string", multiple: true },
      seeds: { type: "string" },
      steps: { type: "string" },
      budget: { type: "string" },
      name: { type: "string" },
      "no-report": { type: "boolean" },
      workers: { type: "string" },
      queue: { type: "string" },
      artifacts: { type: "string" },
      store: { type: "string", default: "runs" },
      "max-jobs": { type: "string", default: String(MAX_JOBS) },
      json: { type: "boolean" },
    },
  });
  if (positionals.length > 1) throw new UsageError("sweep: expected at most one spec file");
  const specFlags = ["problems", "presets", "set", "seeds", "steps", "budget", "name"] as const;
  let raw: unknown;
  let where: string;
  let base: string;
  if (positionals.length === 1) {
    const given = specFlags.filter((f) => values[f] !== undefined);
    if (given.length || values["no-report"]) {
      throw new UsageError(
        `sweep ${positionals[0]}: the spec file gives the jobs; --${given[0] ?? "no-report"} is not taken with it`,
      );
    }
    where = positionals[0];
    raw = readSpecFile(where);
    base = dirname(resolve(where));
  } else {
    where = "sweep";
    raw = await specFromFlags(values);
    base = process.cwd();
  }
  const spec = absoluteProblems(
    asUsage(() => parseSpec(raw, where)),
    base,
  );
  const maxJobs = intFlag("max-jobs", values["max-jobs"], 1);
  const n = jobCount(spec);
  if (n > maxJobs) {
    throw new UsageError(`${where}: ${n} jobs exceed the maximum of ${maxJobs} (--max-jobs)`);
  }
  if (values.queue !== undefined && values.workers !== undefined) {
    throw new UsageError("sweep: --workers runs jobs here, --queue on workers: give one");
  }
  if (values.artifacts !== undefined && values.queue === undefined) {
    throw new UsageError("sweep: --artifacts DIR goes with --queue URL (the workers share DIR)");
  }
  const executor: Executor =
    values.queue !== undefined
      ? {
          kind: "queue",
          url: values.queue,
          ...(values.artifacts === undefined ? {} : { artifacts: values.artifacts }),
        }
      : values.workers === undefined
        ? { kind: "pool", workers: availableParallelism() }
        : intFlag("workers", values.workers, 0) === 0
          ? { kind: "inline" }
          : { kind: "pool", workers: intFlag("workers", values.workers, 0) };
  const sw = expandSpec(spec);
  const sources = await checkSweep(sw, where);
  checkStore(values.store);
  const recs = await runSweep(sw, sources, { storeDir: values.store, executor });
  const rows = summariseSweep(recs);
  if (values.json) console.log(JSON.stringify({ id: sw.id, configurations: rows }, null, 2));
  else console.log(`sweep ${sw.id}\n${resultsText(rows)}`);
  return recs.every((r) => r.state === "completed") ? 0 : 1;
}
