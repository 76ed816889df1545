/**
 * `pinnlab train`: build the engine, train, evaluate against the reference, write the run directory.
 */
import { join } from "node:path";
import { startEngine, tree } from "../engine/index.js";
import { appendRecord, predictionCsv, writeAtomic } from "../store/rundir.js";
import { predictGrid, relativeL2 } from "../train/evaluate.js";
import type { ResolvedRun } from "../train/resolve.js";
import { train } from "../train/trainer.js";
import { createProgress } from "./progress.js";

/** The metrics.json of a run. */
export interface RunMetrics {
  problem: string;
  parameters: Record<string, number>;
  config: Record<string, unknown>;
  weights: Record<string, number>;
  status: "completed" | "diverged";
  message: string;
  rel_l2: number | null;
  steps: number;
  wall_s: number;
  train_wall_s: number;
  /** Final unweighted loss per term; null where it was not finite (a diverged run). */
  final_loss: Record<string, number | null>;
  /** Loss weight per term at the end of training (adaptive schemes change them). */
  final_weights: Record<string, number>;
  /** Which engine ran the Adam steps. */
  backend: string;
}

/**
 * Train a resolved run and write config.json, history.jsonl, metrics.json, prediction.csv into dir.
 * @returns process exit status (0 completed, 1 diverged)
 */
export async function runTraining(run: ResolvedRun, dir: string): Promise<number> {
  const t0 = performance.now();
  await startEngine();
  const { problem, config } = run;
  writeAtomic(
    join(dir, "config.json"),
    JSON.stringify(
      { problem: problem.name, parameters: run.params, config, weights: run.weights },
      null,
      2,
    ) + "\n",
  );
  const total =
    (config.optimizer === "lbfgs" ? 0 : config.steps) +
    (config.optimizer === "adam" ? 0 : config.lbfgsSteps);
  const progress = createProgress(problem.name, total);
  const historyPath = join(dir, "history.jsonl");
  const result = await train({
    problem,
    config,
    weights: run.weights,
    onNote: (m) => process.stderr.write(`pinnlab: ${m}\n`),
    onDiagnostics: (recs) => {
      for (const r of recs) appendRecord(join(dir, "diagnostics.jsonl"), r);
    },
    onRecord: (r) => {
      appendRecord(historyPath, r);
      progress.update(r);
    },
  });
  progress.done();
  let relL2: number | null = null;
  // a diverged run has no meaningful prediction: write none rather than a file of NaNs
  if (problem.reference && result.status === "completed") {
    const ref = problem.reference();
    const pred = await predictGrid(result.net, result.params, ref, problem.fields);
    relL2 = relativeL2(pred.values, ref.values);
    writeAtomic(
      join(dir, "prediction.csv"),
      predictionCsv(problem.domain.inputs, problem.fields, pred.X, pred.values),
    );
  }
  tree.dispose(result.params);
  const metrics: RunMetrics = {
    problem: problem.name,
    parameters: { ...run.params },
    config: { ...config },
    weights: { ...run.weights },
    status: result.status,
    message: result.message,
    rel_l2: relL2,
    steps: result.steps,
    wall_s: (performance.now() - t0) / 1000,
    train_wall_s: result.wall_s,
    final_weights: result.finalWeights,
    backend: result.backend,
    final_loss: Object.fromEntries(
      Object.entries(result.finalTerms).map(([k, v]) => [k, Number.isFinite(v) ? v : null]),
    ),
  };
  writeAtomic(join(dir, "metrics.json"), JSON.stringify(metrics, null, 2) + "\n");
  const err = relL2 === null ? "n/a" : relL2.toExponential(3);
  process.stdout.write(
    `${problem.name}: ${result.status}, rel L2 ${err}, ${result.steps} steps, ${metrics.wall_s.toFixed(1)} s -> ${dir}\n`,
  );
  if (result.status === "diverged") process.stderr.write(`pinnlab: ${result.message}\n`);
  return result.status === "completed" ? 0 : 1;
}
