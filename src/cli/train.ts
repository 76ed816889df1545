/**
 * `pinnlab train`: build the engine, train, evaluate against the reference, write the run
 * directory and record the run in the store (`pinnlab.db` beside the run directory). Checkpoints
 * are written every `checkpointEvery` Adam steps; `--resume` continues a run from its checkpoint.
 */
import { totalSteps } from "../train/phases.js";
import { join } from "node:path";
import { startEngine, tree } from "../engine/index.js";
import { fieldSample } from "../report/field.js";
import { writeReport } from "../report/index.js";
import { readCheckpoint, writeCheckpoint } from "../store/checkpoint.js";
import { type RunStore, openStore } from "../store/db.js";
import { appendRecord, predictionCsv, writeAtomic } from "../store/rundir.js";
import { filterJsonl, locationOf, readRunJson } from "../store/runs.js";
import { tensorGrid } from "../geometry/box.js";
import { type EvalGrid, type Problem, domainMask, evaluationAxes } from "../problem/problem.js";
import {
  type ResidualMetrics,
  predictGrid,
  relativeL2,
  residualMetrics,
} from "../train/evaluate.js";
import { type Override, type ResolvedRun, resolveRun } from "../train/resolve.js";
import type { TrainState } from "../train/state.js";
import { type RunOutcome, trainRun } from "../train/run.js";
import type { DiagnosticRecord } from "../train/monitor.js";
import { type RollbackEvent, type StepRecord, type TrainResult, train } from "../train/trainer.js";
import type { AutopilotDecision } from "../diagnostics/autopilot.js";
import { createProgress } from "./progress.js";
import { loadProblemFile } from "./problemFile.js";

/** The metrics.json of a run. */
export interface RunMetrics {
  problem: string;
  parameters: Record<string, number>;
  config: Record<string, unknown>;
  weights: Record<string, number>;
  status: "completed" | "diverged";
  message: string;
  rel_l2: number | null;
  /**
   * Per residual term, RMS and max |r| on the evaluation grid: the metric of a problem without
   * a reference (absent when the problem has one).
   */
  residual?: ResidualMetrics;
  /** The problem file the run trained (absent for built-in problems). */
  problem_file?: string;
  /** Trainable PDE coefficients' final values (inverse problems; absent without any). */
  coefficients?: Record<string, number>;
  steps: number;
  wall_s: number;
  train_wall_s: number;
  /** Final unweighted loss per term; null where it was not finite (a diverged run). */
  final_loss: Record<string, number | null>;
  /** Loss weight per term at the end of training (adaptive schemes change them). */
  final_weights: Record<string, number>;
  /** Which engine ran the Adam steps. */
  backend: string;
  /** Rollbacks to a checkpoint after non-finite values, in order. */
  rollbacks: RollbackEvent[];
  /** The checkpoint step this process resumed from (null: trained from the start). */
  resumed_from: number | null;
  /** Curriculum stages or time windows (one entry for a plain run). */
  stages: RunOutcome["stages"];
  /** Final causal tolerance and chunk weights (causal training only). */
  causal?: TrainResult["causal"];
  /** The autopilot's switches, in order (absent when `auto` is off). */
  autopilot?: readonly AutopilotDecision[];
}

/** How to run a training. */
export interface TrainRunOptions {
  /** Continue the run in `dir` from its checkpoint (its config.json is the configuration). */
  resume?: boolean;
  /** Wall-time budget for the Adam phase (benchmark suite); the run still completes. */
  stopAfterSeconds?: number;
  /** The preset the run started from (`--preset`), recorded in config.json for the dashboard. */
  preset?: string;
  /** The autopilot's decisions (src/cli/autopilot.ts) that produced the run's configuration. */
  autopilot?: readonly AutopilotDecision[];
  /** The sweep the run belongs to (`pinnlab sweep`), recorded in the store. */
  sweepId?: string;
  /** Write report.html at the end (default true; a sweep of many small runs may skip it). */
  report?: boolean;
}

/**
 * The configuration a run directory was trained with, resolved again from its config.json (a
 * problem file's run loads that file again).
 * @throws StoreError when config.json is missing or corrupt; Error when it no longer resolves
 */
export async function resolveRunDir(dir: string): Promise<ResolvedRun> {
  const saved = readRunJson(dir, "config.json");
  const overrides: Override[] = [];
  const obj = (k: string) => (saved[k] ?? {}) as Record<string, string | number | boolean>;
  for (const [k, v] of Object.entries(obj("parameters"))) overrides.push([k, v]);
  for (const [k, v] of Object.entries(obj("config"))) overrides.push([k, v]);
  for (const [k, v] of Object.entries(obj("weights"))) overrides.push([`w.${k}`, v]);
  if (typeof saved.problem !== "string") {
    throw new Error(`${join(dir, "config.json")}: no problem name`);
  }
  if (typeof saved.problemFile === "string") {
    return resolveRun(await loadProblemFile(saved.problemFile), overrides);
  }
  return resolveRun(saved.problem, overrides);
}

/**
 * Whether this run was started by a sweep pool or worker (src/sweep/jobs.ts sets the variable)
 * that has since died: the process is then re-parented, so its parent pid changes. Checked at
 * every logged step: the training loop may not yield to the event loop, so no signal or pipe
 * event would be seen in time.
 */
function orphaned(): boolean {
  const parent = process.env.PINNLAB_SWEEP_PARENT;
  return parent !== undefined && String(process.ppid) !== parent;
}

/** A reference grid with the mask of a non-box domain (computed when the grid has none). */
function withMask(domain: Problem["domain"], g: EvalGrid): EvalGrid {
  const mask = g.mask ?? domainMask(domain, g.axes);
  return mask ? { ...g, mask } : g;
}

/** Record one run's progress in the store and its directory. */
function recorder(store: RunStore, id: string, dir: string) {
  const historyPath = join(dir, "history.jsonl");
  const diagPath = join(dir, "diagnostics.jsonl");
  const evalPath = join(dir, "evaluation.jsonl");
  return {
    historyPath,
    diagPath,
    evalPath,
    /** Forget everything logged from completed step `step` on (history: step index >= step). */
    truncate(step: number) {
      filterJsonl(historyPath, (r) => (r.step as number) < step);
      filterJsonl(diagPath, (r) => (r.step as number) <= step);
      filterJsonl(evalPath, (r) => (r.step as number) <= step);
      store.dropStepsFrom(id, step);
    },
  };
}

/**
 * Train a resolved run (or resume the run in `dir`), write config.json, history.jsonl,
 * diagnostics.jsonl, checkpoint.bin, evaluation.jsonl (rel L2 every evalEvery steps), metrics.json,
 * prediction.csv, field.json and report.html
 * into `dir`, and record it in the store beside `dir`.
 * @returns metrics.json's content
 */
export async function executeRun(
  run: ResolvedRun,
  dir: string,
  o: TrainRunOptions = {},
): Promise<RunMetrics> {
  const t0 = performance.now();
  const loc = locationOf(dir);
  const store = openStore(loc.storeDir, { create: true });
  try {
    await startEngine();
    const { problem, config } = run;
    const source = run.builtin.source;
    const saved = {
      problem: problem.name,
      ...(source === undefined ? {} : { problemFile: source }),
      parameters: run.params,
      config,
      weights: run.weights,
      ...(o.preset !== undefined ? { preset: o.preset } : {}),
      ...(o.autopilot ? { autopilot: o.autopilot } : {}),
    };
    // a resumed run replays the decisions config.json recorded (they are in its configuration)
    const decisions: readonly AutopilotDecision[] | undefined =
      o.autopilot ??
      (o.resume
        ? (readRunJson(dir, "config.json").autopilot as AutopilotDecision[] | undefined)
        : undefined);
    const rec = recorder(store, loc.id, dir);
    const insert = () =>
      store.insertRun({
        id: loc.id,
        dir,
        problem: problem.name,
        seed: config.seed,
        config: saved,
        sweep_id: o.sweepId,
      });
    let resume: TrainState | null = null;
    if (o.resume) {
      resume = readCheckpoint(dir);
      const from = resume?.step ?? 0;
      rec.truncate(from);
      if (!store.get(loc.id)) insert();
      store.updateRun(loc.id, { status: "running", message: "", pid: process.pid });
      store.addEvent(loc.id, "resume", from, { checkpoint: resume !== null });
      process.stderr.write(
        resume
          ? `pinnlab: resuming ${loc.id} from its checkpoint at step ${from}\n`
          : `pinnlab: ${loc.id} has no checkpoint; training it again from step 0\n`,
      );
    } else {
      writeAtomic(join(dir, "config.json"), JSON.stringify(saved, null, 2) + "\n");
      // a fresh run starts in an empty directory: a record under its id is that of a run whose
      // directory was deleted since, so the new run replaces it
      if (store.get(loc.id)) {
        process.stderr.write(`pinnlab: ${loc.id} replaces the store's record of a deleted run\n`);
        store.removeRun(loc.id);
      }
      insert();
      for (const d of o.autopilot ?? []) store.addEvent(loc.id, "autopilot", d.step, d);
    }
    const total = totalSteps(config);
    const progress = createProgress(problem.name, total);
    // curriculum and time-marching plans (src/train/run.ts) train several networks; they have
    // no checkpoints yet
    const plan = config.curriculum !== "none" || config.windows > 1;
    if (plan && (o.resume || config.checkpointEvery > 0)) {
      process.stderr.write("pinnlab: curriculum and time-marching runs write no checkpoints\n");
    }
    // where every record of the run goes, for a single training and for a plan of stages alike
    const sinks = {
      onNote: (m: string) => process.stderr.write(`pinnlab: ${m}\n`),
      onDiagnostics: (recs: DiagnosticRecord[]) => {
        for (const r of recs) appendRecord(rec.diagPath, r);
      },
      onRecord: (r: StepRecord) => {
        if (orphaned()) {
          // the sweep that started this run is gone (killed): stop rather than train for nobody;
          // the run reads as interrupted and the sweep's next run resumes it
          process.stderr.write("pinnlab: the sweep process that started this run is gone\n");
          process.exit(1);
        }
        appendRecord(rec.historyPath, r);
        // the dashboard's error curve: every record the trainer evaluated (evalEvery)
        if (r.rel_l2 !== undefined) {
          appendRecord(rec.evalPath, { step: r.step, rel_l2: r.rel_l2, wall_s: r.wall_s });
        }
        store.addStep(loc.id, r);
        progress.update(r);
      },
    };
    // computed once: the in-training error probe (evalEvery) and the final evaluation share it
    const refGrid =
      problem.reference && config.evalEvery > 0 && !plan
        ? withMask(problem.domain, problem.reference())
        : undefined;
    const outcome = plan ? await trainRun(run, sinks) : null;
    const result = outcome
      ? outcome.result
      : await train({
          problem,
          config,
          weights: run.weights,
          reference: refGrid,
          resume: resume ?? undefined,
          stopAfterSeconds: o.stopAfterSeconds,
          ...sinks,
          onCheckpoint: async (st) => {
            writeCheckpoint(dir, st);
            store.updateRun(loc.id, { checkpoint_step: st.step, steps: st.step });
          },
          onRollback: (e) => {
            rec.truncate(e.toStep);
            store.addEvent(loc.id, "rollback", e.atStep, e);
            process.stderr.write(
              `pinnlab: ${e.reason} at step ${e.atStep}; rolled back to step ${e.toStep}, ` +
                `learning rate x${e.lrScale.toPrecision(3)}\n`,
            );
          },
        });
    progress.done();
    let relL2: number | null = null;
    let residual: ResidualMetrics | undefined;
    // a diverged run has no meaningful prediction: write none rather than a file of NaNs
    if (result.status === "completed") {
      // without a reference: the solution on the default grid, judged by its residuals
      const given = problem.reference
        ? (refGrid ?? problem.reference())
        : { axes: evaluationAxes(problem.domain), values: {} };
      // a non-box domain evaluates on the grid masked to the domain
      const mask = given.mask ?? domainMask(problem.domain, given.axes);
      const ref = mask ? { ...given, mask } : given;
      const pred = outcome
        ? await outcome.predictGrid(ref)
        : await predictGrid(result.net, result.params, ref, problem.fields);
      if (problem.reference) relL2 = relativeL2(pred.values, ref.values, mask);
      else if (!outcome) {
        const grid = tensorGrid(ref.axes);
        const d = ref.axes.length;
        const inside = mask ? grid.filter((_, i) => mask[Math.floor(i / d)] === 1) : grid;
        residual = await residualMetrics(problem, result.net, result.params, inside);
      }
      writeAtomic(
        join(dir, "prediction.csv"),
        predictionCsv(problem.domain.inputs, problem.fields, pred.X, pred.values, mask),
      );
      const shown = mask
        ? Object.fromEntries(
            Object.entries(pred.values).map(([k, v]) => [k, v.map((x, i) => (mask[i] ? x : NaN))]),
          )
        : pred.values;
      const f = fieldSample(
        problem.domain.inputs,
        ref.axes,
        shown,
        problem.reference ? ref.values : null,
      );
      if (f) writeAtomic(join(dir, "field.json"), JSON.stringify(f) + "\n");
    }
    if (outcome) outcome.dispose();
    else tree.dispose(result.params);
    const steps = outcome?.steps ?? result.steps;
    const metrics: RunMetrics = {
      problem: problem.name,
      parameters: { ...run.params },
      config: { ...config },
      weights: { ...run.weights },
      status: result.status,
      message: result.message,
      rel_l2: relL2,
      ...(residual ? { residual } : {}),
      ...(Object.keys(result.coefficients ?? {}).length
        ? { coefficients: result.coefficients }
        : {}),
      ...(source === undefined ? {} : { problem_file: source }),
      steps,
      wall_s: (performance.now() - t0) / 1000 + (resume?.wall_s ?? 0),
      train_wall_s: outcome?.wall_s ?? result.wall_s,
      final_weights: result.finalWeights,
      backend: result.backend,
      final_loss: Object.fromEntries(
        Object.entries(result.finalTerms).map(([k, v]) => [k, Number.isFinite(v) ? v : null]),
      ),
      rollbacks: result.rollbacks,
      resumed_from: resume?.step ?? null,
      stages: outcome?.stages ?? [{ index: 0, status: result.status }],
      ...(result.causal ? { causal: result.causal } : {}),
      ...(decisions ? { autopilot: decisions } : {}),
    };
    writeAtomic(join(dir, "metrics.json"), JSON.stringify(metrics, null, 2) + "\n");
    store.updateRun(loc.id, {
      status: result.status,
      message: result.message,
      steps,
      wall_s: metrics.wall_s,
      rel_l2: relL2,
      backend: result.backend,
      metrics: metrics as unknown as Record<string, unknown>,
      pid: null,
    });
    try {
      if (o.report !== false) await writeReport(dir);
    } catch (e) {
      process.stderr.write(`pinnlab: report.html not written: ${(e as Error).message}\n`);
    }
    const err =
      relL2 !== null
        ? `rel L2 ${relL2.toExponential(3)}`
        : residual
          ? `residual RMS ${Object.entries(residual)
              .map(([k, v]) => `${k} ${v.rms.toExponential(3)}`)
              .join(", ")} (no reference)`
          : "rel L2 n/a";
    const coefText = Object.entries(metrics.coefficients ?? {})
      .map(([k, v]) => `, ${k} = ${v.toPrecision(6)}`)
      .join("");
    process.stdout.write(
      `${problem.name}: ${result.status}, ${err}${coefText}, ${steps} steps, ${metrics.wall_s.toFixed(1)} s -> ${dir}\n`,
    );
    if (result.status === "diverged") process.stderr.write(`pinnlab: ${result.message}\n`);
    return metrics;
  } finally {
    store.close();
  }
}

/**
 * The run as the autopilot leaves it when `auto` is on (src/cli/autopilot.ts: probe, the doctor's
 * checks, their fixes), with its decisions for the run's records; the run itself when it is off.
 * Every way of starting a run (`pinnlab train`, a sweep's jobs, `bench unseen`) goes through here.
 * @param note one line per decision (the terminal)
 */
export async function withAutopilot(
  run: ResolvedRun,
  note: (m: string) => void,
): Promise<{ run: ResolvedRun; decisions?: readonly AutopilotDecision[] }> {
  if (!run.config.auto) return { run };
  const { autopilot } = await import("./autopilot.js");
  return autopilot(run, note);
}

/**
 * Train a resolved run into `dir` (see {@link executeRun}).
 * @returns process exit status (0 completed, 1 diverged)
 */
export async function runTraining(
  run: ResolvedRun,
  dir: string,
  o: TrainRunOptions = {},
): Promise<number> {
  const m = await executeRun(run, dir, o);
  return m.status === "completed" ? 0 : 1;
}
