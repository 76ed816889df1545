/**
 * `pinnlab diagnose <problem>`: train briefly, measure the per-term gradient statistics and NTK
 * blocks on the trained network, and report named findings with evidence and a fix, as JSON
 * (`--json`) or a short plain-language verdict. `pinnlab diagnose --run DIR` measures the same on
 * a saved run instead: its configuration (config.json) and its last checkpoint's parameters.
 */
import { parseArgs } from "node:util";
import { startEngine, tree } from "../engine/index.js";
import { type Finding, imbalanceFinding, ntkFinding } from "../diagnostics/doctor.js";
import { makeTermGradients } from "../diagnostics/gradients.js";
import { makeTermNtk } from "../diagnostics/ntk.js";
import { flattenParams, unflattenParams } from "../nets/flat.js";
import type { NetParams, Network } from "../nets/network.js";
import { join } from "node:path";
import { readCheckpoint } from "../store/checkpoint.js";
import { readJsonl } from "../store/runs.js";
import type { Batches } from "../train/backend.js";
import { measureGradients, measureNtk } from "../train/measure.js";
import { type Override, parseSet, resolveRun } from "../train/resolve.js";
import { type ResolvedRun } from "../train/resolve.js";
import { networkFor, sampleBatches, train } from "../train/trainer.js";
import { Rng } from "../util/rng.js";
import { UsageError, asUsage } from "./errors.js";
import { resolveRunDir } from "./train.js";
import { createProgress } from "./progress.js";

/** Parse, train briefly, measure, report. */
export async function diagnose(args: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: {
      set: { type: "string", multiple: true },
      steps: { type: "string", default: "500" },
      seed: { type: "string" },
      json: { type: "boolean", default: false },
      run: { type: "string" },
    },
  });
  if (values.run !== undefined) {
    if (positionals.length > 1) throw new UsageError("diagnose --run DIR: expected no other name");
    if (values.set?.length)
      throw new UsageError("diagnose --run: --set does not apply to a saved run");
  } else if (positionals.length !== 1)
    throw new UsageError("diagnose: expected exactly one problem name (or --run DIR)");
  const trained =
    values.run !== undefined ? await fromRun(values.run, positionals[0]) : await briefly();

  async function briefly(): Promise<Trained> {
    const steps = Number(values.steps);
    if (!Number.isInteger(steps) || steps < 1)
      throw new UsageError(`--steps ${values.steps}: must be a positive integer`);
    const overrides: Override[] = asUsage(() => (values.set ?? []).map(parseSet));
    overrides.push(["steps", steps], ["optimizer", "adam"]);
    if (values.seed !== undefined) overrides.push(["seed", values.seed]);
    const run = asUsage(() => resolveRun(positionals[0], overrides));
    await startEngine();
    const progress = createProgress(`diagnose ${run.problem.name}`, steps);
    const result = await train({
      problem: run.problem,
      config: { ...run.config, logEvery: Math.max(1, Math.floor(steps / 10)) },
      weights: run.weights,
      onRecord: values.json ? undefined : (r) => progress.update(r),
    });
    progress.done();
    return { run, ...result };
  }

  const { run, net, params } = trained;
  const { problem, config } = run;
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
  const result = trained;

  const findings: Finding[] = [imbalanceFinding(stats.imbalance), ntkFinding(report)];
  if (values.json) {
    const out = {
      problem: problem.name,
      parameters: run.params,
      steps: result.steps,
      status: result.status,
      final_loss: result.finalTerms,
      findings: findings.map(({ summary, ...f }) => ({ ...f, summary })),
    };
    console.log(JSON.stringify(out));
  } else {
    const where = values.run !== undefined ? ` (run ${values.run}, last checkpoint)` : "";
    console.log(`${problem.name} after ${result.steps} Adam steps${where}:`);
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

/** A network to inspect: the run it belongs to, its parameters, and how far it trained. */
interface Trained {
  run: ResolvedRun;
  net: Network;
  params: NetParams;
  steps: number;
  status: string;
  finalTerms: Record<string, number>;
}

/**
 * A saved run: config.json resolved again, the parameters of checkpoint.bin (written every
 * `checkpointEvery` Adam steps and when Adam ends, so after an L-BFGS phase this is the network
 * L-BFGS started from).
 */
async function fromRun(dir: string, problemName: string | undefined): Promise<Trained> {
  const run = asUsage(() => resolveRunDir(dir));
  if (problemName !== undefined && problemName !== run.problem.name) {
    throw new UsageError(
      `diagnose --run ${dir}: the run trained "${run.problem.name}", not "${problemName}"`,
    );
  }
  const state = asUsage(() => readCheckpoint(dir));
  if (!state) {
    throw new UsageError(
      `diagnose --run ${dir}: no checkpoint.bin (runs write one every checkpointEvery Adam steps)`,
    );
  }
  await startEngine();
  const net = networkFor(run.problem, run.config);
  const { flat, layout } = await flattenParams(net.init(run.config.seed));
  if (state.optimizer.params.length !== flat.length) {
    throw new UsageError(
      `diagnose --run ${dir}: checkpoint.bin holds ${state.optimizer.params.length} parameters, the network of config.json has ${flat.length}`,
    );
  }
  const params = unflattenParams(state.optimizer.params, layout, run.config.precision);
  // the per-term losses last logged before the checkpoint
  const history = asUsage(() => readJsonl(join(dir, "history.jsonl")));
  const before = history.filter((r) => r.phase === "adam" && Number(r.step) < state.step).pop();
  const finalTerms = (before?.terms ?? {}) as Record<string, number>;
  return { run, net, params, steps: state.step, status: "checkpoint", finalTerms };
}
