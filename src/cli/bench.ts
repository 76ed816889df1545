/**
 * `pinnlab bench step`: the median wall time of one Adam training step (sampling, jets of every
 * term, loss, gradient, update, one sync) on a built-in problem, after warm-up steps that absorb
 * tracing and V8's tier-up. `--backend` picks the engine; `--compare` runs the jax and kernel
 * backends interleaved, step by step, in one process, so both see the same machine load.
 */
import { parseArgs } from "node:util";
import { startEngine } from "../engine/index.js";
import type { StepBackend } from "../train/backend.js";
import type { TrainConfig } from "../train/config.js";
import { resolveRun } from "../train/resolve.js";
import { createBackend } from "../train/selectBackend.js";
import { networkFor, sampleBatches } from "../train/trainer.js";
import { Rng } from "../util/rng.js";
import { intFlag, median } from "./args.js";
import { UsageError, asUsage } from "./errors.js";

/** Parse the bench arguments, run, print. */
export async function benchStep(args: string[]): Promise<number> {
  const { values } = parseArgs({
    args,
    options: {
      problem: { type: "string", default: "burgers" },
      width: { type: "string", default: "64" },
      depth: { type: "string", default: "4" },
      points: { type: "string", default: "2048" },
      steps: { type: "string", default: "30" },
      warmup: { type: "string", default: "5" },
      arch: { type: "string" },
      precision: { type: "string" },
      backend: { type: "string" },
      compare: { type: "boolean", default: false },
      json: { type: "boolean", default: false },
    },
  });
  const sets: [string, string][] = [
    ["width", values.width],
    ["depth", values.depth],
    ["points", values.points],
  ];
  if (values.arch) sets.push(["arch", values.arch]);
  if (values.precision) sets.push(["precision", values.precision]);
  if (values.backend) sets.push(["backend", values.backend]);
  const run = asUsage(() => resolveRun(values.problem, sets));
  const steps = intFlag("steps", values.steps, 1);
  const warm = intFlag("warmup", values.warmup, 0);
  if (values.compare && values.backend)
    throw new UsageError("--compare runs both backends; drop --backend");
  await startEngine();
  const { problem, config } = run;
  const kinds: TrainConfig["backend"][] = values.compare ? ["jax", "kernels"] : [config.backend];
  const lanes: { backend: StepBackend; rng: Rng; times: number[]; c: TrainConfig }[] = [];
  for (const kind of kinds) {
    const c = { ...config, backend: kind };
    const net = networkFor(problem, c);
    const note = (m: string) => process.stderr.write(`pinnlab: ${m}\n`);
    const backend = await asyncUsage(() => createBackend(problem, net, c, net.init(c.seed), note));
    lanes.push({ backend, rng: new Rng(c.seed), times: [], c });
  }
  // interleaved: step k of every backend before step k + 1 of any
  for (let k = 0; k < warm + steps; k++) {
    for (const lane of lanes) {
      const t0 = performance.now();
      // resampling is part of a real step, so it is timed too
      await lane.backend.step(
        sampleBatches(problem, lane.c, lane.rng, lane.c.points),
        run.weights,
        lane.c.lr,
      );
      if (k >= warm) lane.times.push(performance.now() - t0);
    }
  }
  const results = lanes.map((lane) => {
    lane.backend.dispose();
    return {
      problem: problem.name,
      width: config.width,
      depth: config.depth,
      points: config.points,
      arch: config.arch,
      precision: config.precision,
      backend: lane.backend.kind,
      steps,
      ms_per_step: median(lane.times),
      ms_min: Math.min(...lane.times),
      ms_max: Math.max(...lane.times),
      node: process.version,
    };
  });
  const out =
    results.length === 1
      ? results[0]
      : {
          ...results[1],
          ms_per_step_jax: results[0].ms_per_step,
          speedup: results[0].ms_per_step / results[1].ms_per_step,
          compare: results,
        };
  if (values.json) console.log(JSON.stringify(out));
  else {
    for (const r of results) {
      console.log(
        `${r.problem} width ${r.width} depth ${r.depth} points ${r.points} [${r.backend}]: ${r.ms_per_step.toFixed(2)} ms/step (median of ${steps})`,
      );
    }
    if (results.length === 2)
      console.log(
        `kernels are ${(results[0].ms_per_step / results[1].ms_per_step).toFixed(2)}x faster than jax`,
      );
  }
  return 0;
}

/** Like asUsage, for a promise: a rejected validation is the user's input error. */
async function asyncUsage<T>(f: () => Promise<T>): Promise<T> {
  try {
    return await f();
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
}
