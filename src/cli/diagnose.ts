/**
 * `pinnlab diagnose <problem>`: train briefly, measure the per-term gradient statistics and NTK
 * blocks on the trained network, and report named findings with evidence and a fix, as JSON
 * (`--json`) or a short plain-language verdict.
 */
import { parseArgs } from "node:util";
import { startEngine, tree } from "../engine/index.js";
import { type Finding, imbalanceFinding, ntkFinding } from "../diagnostics/doctor.js";
import { makeTermGradients } from "../diagnostics/gradients.js";
import { makeTermNtk } from "../diagnostics/ntk.js";
import type { Batches } from "../train/backend.js";
import { measureGradients, measureNtk } from "../train/measure.js";
import { type Override, parseSet, resolveRun } from "../train/resolve.js";
import { sampleBatches, train } from "../train/trainer.js";
import { Rng } from "../util/rng.js";
import { UsageError, asUsage } from "./errors.js";
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
  if (positionals.length !== 1) throw new UsageError("diagnose: expected exactly one problem name");
  if (values.run !== undefined) {
    throw new UsageError(
      "diagnose --run: inspecting a saved run needs checkpoints, which are not stored yet",
    );
  }
  const steps = Number(values.steps);
  if (!Number.isInteger(steps) || steps < 1)
    throw new UsageError(`--steps ${values.steps}: must be a positive integer`);
  const overrides: Override[] = asUsage(() => (values.set ?? []).map(parseSet));
  overrides.push(["steps", steps], ["optimizer", "adam"]);
  if (values.seed !== undefined) overrides.push(["seed", values.seed]);
  const run = asUsage(() => resolveRun(positionals[0], overrides));
  await startEngine();
  const { problem, config } = run;
  const progress = createProgress(`diagnose ${problem.name}`, steps);
  const result = await train({
    problem,
    config: { ...config, logEvery: Math.max(1, Math.floor(steps / 10)) },
    weights: run.weights,
    onRecord: values.json ? undefined : (r) => progress.update(r),
  });
  progress.done();

  // measure on a fresh batch the network has not trained on
  const rng = new Rng(config.seed + 7919);
  const batches: Batches = sampleBatches(problem, config, rng, config.points);
  const gradFn = makeTermGradients(problem, result.net);
  const stats = await measureGradients(problem, gradFn, tree.ref(result.params), batches, config);
  gradFn.dispose();
  const ntkFn = makeTermNtk(problem, result.net);
  const report = await measureNtk(problem, ntkFn, tree.ref(result.params), batches, config);
  ntkFn.dispose();
  tree.dispose(result.params);

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
    console.log(`${problem.name} after ${result.steps} Adam steps:`);
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
