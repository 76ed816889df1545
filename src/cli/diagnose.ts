/**
 * `pinnlab diagnose <problem>`: train briefly, measure the per-term gradient statistics and NTK
 * blocks on the trained network, and report named findings with evidence and a fix, as JSON
 * (`--json`) or a short plain-language verdict. `pinnlab diagnose --run DIR` measures the same on
 * a saved run instead: its configuration (config.json) and its last checkpoint's parameters.
 */
import { parseArgs } from "node:util";
import { startEngine, tree } from "../engine/index.js";
import {
  type Finding,
  causalityFinding,
  illConditioningFinding,
  imbalanceFinding,
  ntkFinding,
  pathologyReference,
} from "../diagnostics/doctor.js";
import { type LossPoint, lossStall } from "../diagnostics/conditioning.js";
import { measureCurvature } from "../train/curvature.js";
import { type CausalProfile, causalProfile } from "../diagnostics/causality.js";
import type { Problem } from "../problem/problem.js";
import { trainRun } from "../train/run.js";
import { makeTermGradients } from "../loss/gradients.js";
import { makeTermNtk } from "../loss/ntk.js";
import type { NetParams, Network } from "../nets/network.js";
import { join } from "node:path";
import { readJsonl } from "../store/runs.js";
import type { Batches } from "../train/backend.js";
import { measureGradients, measureNtk } from "../train/measure.js";
import { type Override, parseSet, resolveRun } from "../train/resolve.js";
import type { StepRecord } from "../train/types.js";
import type { TrainConfig } from "../train/config.js";
import { type ResolvedRun } from "../train/resolve.js";
import { sampleBatches } from "../train/trainer.js";
import { Rng } from "../util/rng.js";
import { UsageError, asUsage, asUsageAsync } from "./errors.js";
import { loadProblem } from "./problemFile.js";
import { networkFromRun } from "./runNetwork.js";
import { createProgress } from "./progress.js";

/** Parse, train briefly, measure, report. */
export async function diagnose(args: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: {
      set: { type: "string", multiple: true },
      steps: { type: "string" },
      preset: { type: "string" },
      seed: { type: "string" },
      json: { type: "boolean", default: false },
      run: { type: "string" },
    },
  });
  if (values.run !== undefined) {
    if (positionals.length > 1) throw new UsageError("diagnose --run DIR: expected no other name");
    if (values.set?.length || values.preset !== undefined)
      throw new UsageError("diagnose --run: --set and --preset do not apply to a saved run");
  } else if (positionals.length !== 1)
    throw new UsageError("diagnose: expected exactly one problem name (or --run DIR)");
  const trained =
    values.run !== undefined ? await fromRun(values.run, positionals[0]) : await briefly();

  async function briefly(): Promise<Trained> {
    // with a preset and no --steps, train as the preset does (all its steps, its optimiser)
    const full = values.preset !== undefined && values.steps === undefined;
    const steps = Number(values.steps ?? "500");
    if (!Number.isInteger(steps) || steps < 1)
      throw new UsageError(`--steps ${values.steps}: must be a positive integer`);
    const overrides: Override[] = asUsage(() => (values.set ?? []).map(parseSet));
    if (!full) overrides.push(["steps", steps], ["optimizer", "adam"]);
    if (values.seed !== undefined) overrides.push(["seed", values.seed]);
    const problem = await asUsageAsync(() => loadProblem(positionals[0]));
    const run = asUsage(() => resolveRun(problem, overrides, values.preset));
    await startEngine();
    const progress = createProgress(`diagnose ${run.problem.name}`, run.config.steps);
    const t = await trainBriefly(run, values.json ? undefined : (r) => progress.update(r));
    progress.done();
    return t;
  }

  const findings = await examine(trained);
  const { run, problem } = trained;
  if (values.json) {
    const out = {
      problem: problem.name,
      parameters: run.params,
      preset: values.preset ?? null,
      steps: trained.steps,
      status: trained.status,
      final_loss: trained.finalTerms,
      findings: findings.map(({ summary, ...f }) => ({
        ...f,
        reference: pathologyReference(f.pathology),
        summary,
      })),
    };
    console.log(JSON.stringify(out));
  } else {
    const where = values.run !== undefined ? ` (run ${values.run}, last checkpoint)` : "";
    console.log(`${problem.name} after ${trained.steps} steps${where}:`);
    for (const f of findings)
      console.log(`  ${f.detected ? "PROBLEM" : "ok     "} ${f.pathology}: ${f.summary}`);
    const fixes = findings.filter((f) => f.detected);
    if (fixes.length === 0) console.log("No pathology detected: train it as it is.");
    else {
      const sets = fixes.flatMap((f) =>
        Object.entries(f.fix.set).map(([k, v]) => `--set ${k}=${v}`),
      );
      console.log(`Suggested: npx pinnlab train ${problem.name} ${sets.join(" ")}`);
    }
  }
  return 0;
}

/**
 * Train a resolved run briefly (as configured; `diagnose` sets the steps and the optimiser) and
 * keep what the doctor examines.
 * @param onRecord every logged record (50 per run: enough for the stall's fit)
 */
export async function trainBriefly(
  run: ResolvedRun,
  onRecord?: (r: StepRecord) => void,
): Promise<Trained> {
  // curriculum and time-marching plans train several networks: the gradient and NTK findings
  // look at the last one, the causal profile is stitched across every window's time range
  const outcome = await trainRun(
    {
      ...run,
      config: { ...run.config, logEvery: Math.max(1, Math.floor(run.config.steps / 50)) },
    },
    { onRecord },
  );
  const { result } = outcome;
  return {
    run,
    problem: result.problem,
    net: result.net,
    params: tree.ref(result.params),
    parts: outcome.parts,
    dispose: () => outcome.dispose(),
    steps: outcome.steps,
    status: result.status,
    finalTerms: result.finalTerms,
    adamRecords: result.history.filter((r) => r.phase === "adam"),
  };
}

/**
 * The doctor's four findings on a trained network (consumes `trained`: its parameters and
 * networks are disposed).
 */
export async function examine(trained: Trained): Promise<Finding[]> {
  const { run, net, params, problem } = trained;
  const { config } = run;
  // the stall from the Adam phase's records, the curvature of the loss as Adam ended it
  const stall = lossStall(trained.adamRecords);
  const lastWeights = trained.adamRecords[trained.adamRecords.length - 1]?.weights ?? run.weights;
  const curvature = await measureCurvature(
    problem,
    config,
    tree.ref(params),
    lastWeights,
    config.seed + 104729,
  );
  // measure on a fresh batch the network has not trained on
  const rng = new Rng(config.seed + 7919);
  const batches: Batches = sampleBatches(problem, config, rng, config.points);
  const gradFn = makeTermGradients(problem, net);
  const stats = await measureGradients(problem, gradFn, tree.ref(params), batches, config);
  gradFn.dispose();
  const ntkFn = makeTermNtk(problem, net);
  const report = await measureNtk(problem, ntkFn, tree.ref(params), batches, config);
  ntkFn.dispose();
  tree.dispose(params);
  const perPart = trained.parts.length > 1 ? Math.max(2, Math.ceil(16 / trained.parts.length)) : 16;
  const pieces: CausalProfile[][] = [];
  for (const part of trained.parts) {
    pieces.push(
      await causalProfile(part.problem, part.net, tree.ref(part.params), config, perPart),
    );
  }
  trained.dispose();
  const profiles: CausalProfile[] = (pieces[0] ?? []).map((p, i) => ({
    term: p.term,
    t: pieces.flatMap((q) => q[i].t),
    loss: pieces.flatMap((q) => q[i].loss),
  }));

  // judge the loss as configured: term weights relative to the residual's, exact terms aside
  const resW = Math.max(
    ...problem.terms.filter((t) => t.kind === "residual").map((t) => run.weights[t.name] ?? 1),
  );
  const setup = {
    weights: Object.fromEntries(problem.termNames.map((n) => [n, (run.weights[n] ?? 1) / resW])),
    exact: exactTerms(problem, config),
  };
  return [
    imbalanceFinding(stats.imbalance, setup),
    ntkFinding(report, setup),
    causalityFinding(profiles),
    illConditioningFinding(stall, curvature),
  ];
}

/**
 * The terms the network satisfies by construction, which the imbalance and NTK findings leave
 * out: the periodic conditions under the periodic embedding (values and every derivative match
 * across the period), unless the seam feature is on: then the values still match, but the slopes
 * may jump, so the u_x part of the condition is a real loss term.
 */
export function exactTerms(
  problem: Pick<Problem, "terms">,
  config: Pick<TrainConfig, "periodicEmbedding" | "periodicSeam">,
): string[] {
  if (!config.periodicEmbedding || config.periodicSeam) return [];
  return problem.terms.filter((t) => t.kind === "periodic").map((t) => t.name);
}

/** A network to inspect: the run it belongs to, its parameters, and how far it trained. */
export interface Trained {
  run: ResolvedRun;
  /** The problem as trained (conditions imposed exactly are no longer terms). */
  problem: Problem;
  net: Network;
  /** Owned by the caller. */
  params: NetParams;
  /** Every trained network with its problem (one per time window), for the causal profile. */
  parts: readonly { net: Network; params: NetParams; problem: Problem }[];
  dispose(): void;
  steps: number;
  status: string;
  finalTerms: Record<string, number>;
  /** The Adam phase's logged records (loss and weights), for the stall measurement. */
  adamRecords: readonly (LossPoint & { weights?: Record<string, number> })[];
}

/**
 * A saved run: config.json resolved again, the parameters of checkpoint.bin (written every
 * `checkpointEvery` Adam steps and when Adam ends, so after an L-BFGS phase this is the network
 * L-BFGS started from).
 */
async function fromRun(dir: string, problemName: string | undefined): Promise<Trained> {
  const saved = await networkFromRun(dir, "diagnose --run");
  const { run, net, problem, params } = saved;
  if (problemName !== undefined && problemName !== run.problem.name) {
    tree.dispose(params);
    throw new UsageError(
      `diagnose --run ${dir}: the run trained "${run.problem.name}", not "${problemName}"`,
    );
  }
  const state = { step: saved.step };
  // the per-term losses last logged before the checkpoint
  const history = asUsage(() => readJsonl(join(dir, "history.jsonl")));
  const before = history.filter((r) => Number(r.step) < state.step).pop();
  const finalTerms = (before?.terms ?? {}) as Record<string, number>;
  return {
    run,
    problem,
    net,
    params: tree.ref(params),
    parts: [{ net, params, problem }],
    dispose: () => tree.dispose(params),
    steps: state.step,
    status: "checkpoint",
    finalTerms,
    adamRecords: history
      .filter((r) => (r.phase ?? "adam") === "adam" && Number(r.step) <= state.step)
      .map((r) => ({
        step: Number(r.step),
        loss: Number(r.loss),
        weights: r.weights as Record<string, number> | undefined,
      })),
  };
}
