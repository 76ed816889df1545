/**
 * `pinnlab bench step`: the median wall time of one jitted Adam training step (jets, loss,
 * gradient, update, one sync) on a built-in problem, after warm-up steps that absorb tracing.
 */
import { parseArgs } from "node:util";
import { startEngine } from "../engine/index.js";
import { jaxBackend } from "../train/backend.js";
import { resolveRun } from "../train/resolve.js";
import { networkFor, sampleBatches } from "../train/trainer.js";
import { Rng } from "../util/rng.js";
import { UsageError, asUsage } from "./errors.js";

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

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
  const run = asUsage(() => resolveRun(values.problem, sets));
  const steps = Number(values.steps);
  const warm = Number(values.warmup);
  if (!Number.isInteger(steps) || steps < 1)
    throw new UsageError(`--steps ${values.steps}: must be a positive integer`);
  if (!Number.isInteger(warm) || warm < 0)
    throw new UsageError(`--warmup ${values.warmup}: must be >= 0`);
  await startEngine();
  const { problem, config: c } = run;
  const net = networkFor(problem, c);
  const backend = jaxBackend(problem, net, c, net.init(c.seed));
  const rng = new Rng(c.seed);
  const times: number[] = [];
  for (let k = 0; k < warm + steps; k++) {
    const t0 = performance.now();
    // resampling is part of a real step, so it is timed too
    await backend.step(sampleBatches(problem, c, rng, c.points), run.weights, c.lr);
    if (k >= warm) times.push(performance.now() - t0);
  }
  backend.dispose();
  const result = {
    problem: problem.name,
    width: c.width,
    depth: c.depth,
    points: c.points,
    arch: c.arch,
    precision: c.precision,
    backend: backend.kind,
    steps,
    ms_per_step: median(times),
    ms_min: Math.min(...times),
    ms_max: Math.max(...times),
    node: process.version,
  };
  if (values.json) console.log(JSON.stringify(result));
  else
    console.log(
      `${problem.name} width ${c.width} depth ${c.depth} points ${c.points}: ${result.ms_per_step.toFixed(2)} ms/step (median of ${steps})`,
    );
  return 0;
}
