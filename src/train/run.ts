/**
 * A resolved run from start to prediction: one `train` call, or a curriculum (src/train/
 * curriculum.ts) or time marching (src/train/marching.ts) made of several warm-started calls.
 * Whatever the plan, the outcome predicts on a grid (stitched across time windows) so the CLI
 * evaluates every run the same way. Records carry `stage` (curriculum stage or window index).
 */
import { tree } from "../engine/index.js";
import { linspace, tensorGrid } from "../geometry/box.js";
import type { NetParams, Network } from "../nets/network.js";
import { reexpressInput } from "../nets/reexpress.js";
import type { EvalGrid, Problem } from "../problem/problem.js";
import { curriculumStages } from "./curriculum.js";
import { predict, predictGrid } from "./evaluate.js";
import { type Window, interpolant, windowBounds, windowOf, windowProblem } from "./marching.js";
import { laterWindow } from "./config.js";
import type { ResolvedRun } from "./resolve.js";
import { type StepRecord, type TrainOptions, type TrainResult, train } from "./trainer.js";

/** Callbacks of a run (those of `train`). */
export type RunHooks = Pick<TrainOptions, "onRecord" | "onNote" | "onDiagnostics">;

/** What a run leaves: the last stage's result, the totals and a grid predictor. */
export interface RunOutcome {
  /** The last stage's (window's) result; its params are owned by the outcome. */
  readonly result: TrainResult;
  /** Adam steps plus L-BFGS iterations over every stage, and the total training time. */
  readonly steps: number;
  readonly wall_s: number;
  /** Per stage: curriculum value or window range, and how it ended. */
  readonly stages: readonly { index: number; value?: number; window?: Window; status: string }[];
  /**
   * The trained networks with the problem each was trained on: one per time window, else the
   * final one. Params stay owned by the outcome.
   */
  readonly parts: readonly { net: Network; params: NetParams; problem: Problem }[];
  /** Predictions on a grid, per field (stitched across windows). */
  predictGrid(grid: EvalGrid): Promise<{ X: Float64Array; values: Record<string, Float64Array> }>;
  dispose(): void;
}

/** Shift a stage's records so steps keep increasing, and tag them with the stage. */
function tagged(hooks: RunHooks, stage: number, offset: number): RunHooks {
  return {
    ...hooks,
    onRecord: hooks.onRecord
      ? (r: StepRecord) => hooks.onRecord?.({ ...r, step: r.step + offset, stage })
      : undefined,
  };
}

/**
 * Train a resolved run with whatever plan its configuration asks for.
 * @example const out = await trainRun(resolveRun("convection", [["curriculum", "beta"]]), {});
 */
export async function trainRun(run: ResolvedRun, hooks: RunHooks): Promise<RunOutcome> {
  const c = run.config;
  if (c.curriculum !== "none" && c.windows > 1) {
    throw new Error("curriculum: cannot be combined with time marching (windows > 1)");
  }
  if (c.curriculum !== "none") return curriculumRun(run, hooks);
  if (c.windows > 1) return marchingRun(run, hooks);
  const result = await train({ problem: run.problem, config: c, weights: run.weights, ...hooks });
  return single(result, [{ index: 0, status: result.status }]);
}

function single(
  result: TrainResult,
  stages: RunOutcome["stages"],
  steps = result.steps,
  wall = result.wall_s,
): RunOutcome {
  return {
    result,
    steps,
    wall_s: wall,
    stages,
    parts: [{ net: result.net, params: result.params, problem: result.problem }],
    predictGrid: (grid) => predictGrid(result.net, result.params, grid, result.problem.fields),
    dispose: () => tree.dispose(result.params),
  };
}

async function curriculumRun(run: ResolvedRun, hooks: RunHooks): Promise<RunOutcome> {
  const c = run.config;
  const param = c.curriculum;
  if (!Object.hasOwn(run.params, param)) {
    throw new Error(`curriculum: ${run.problem.name} has no parameter "${param}"`);
  }
  const plan = curriculumStages(run.params[param], c);
  let init: NetParams | undefined;
  let result: TrainResult | null = null;
  let steps = 0;
  let wall = 0;
  const stages: { index: number; value: number; status: string }[] = [];
  for (const st of plan) {
    hooks.onNote?.(`curriculum stage ${st.index + 1}/${plan.length}: ${param} = ${st.value}`);
    const problem = run.builtin.build({ ...run.params, [param]: st.value });
    result = await train({
      problem,
      config: { ...c, steps: st.steps },
      weights: run.weights,
      init,
      ...tagged(hooks, st.index, steps),
    });
    steps += result.steps;
    wall += result.wall_s;
    stages.push({ index: st.index, value: st.value, status: result.status });
    if (result.status !== "completed") break;
    init = st.index < plan.length - 1 ? tree.ref(result.params) : undefined;
    if (st.index < plan.length - 1) tree.dispose(result.params);
  }
  return single(result as TrainResult, stages, steps, wall);
}

/**
 * The next window's initial parameters: the finished window's network re-expressed on the next
 * time range (its forward extrapolation, src/nets/reexpress.ts) or, with `copy` or a network
 * without an affine time path (Fourier features), its parameters as they are.
 */
async function windowStart(
  result: TrainResult,
  ti: number,
  from: Window,
  to: Window,
  how: "extrapolate" | "copy",
): Promise<NetParams> {
  if (how === "copy") return tree.ref(result.params);
  const moved = await reexpressInput(
    result.net,
    result.params,
    ti,
    { lo: from[0], hi: from[1] },
    { lo: to[0], hi: to[1] },
  );
  return moved ?? tree.ref(result.params);
}

async function marchingRun(run: ResolvedRun, hooks: RunHooks): Promise<RunOutcome> {
  const c = run.config;
  const d = run.problem.domain;
  if (d.time === null) throw new Error(`windows: ${run.problem.name} has no time input`);
  const ti = d.inputs.indexOf(d.time);
  // the spatial input (none for an ODE system: its state is one number per field, at x = 0)
  const dims = d.inputs.length;
  const xi = dims === 1 ? -1 : ti === 0 ? 1 : 0;
  const windows = windowBounds(d.lo[ti], d.hi[ti], c.windows, c.windowRatio);
  const done: { net: Network; params: NetParams; problem: Problem }[] = [];
  const stages: { index: number; window: Window; status: string }[] = [];
  let state: Record<string, (x: number) => number> | null = null;
  let rate: Record<string, (x: number) => number> | null = null;
  // fields whose initial rate u_t is fixed (second order in time) carry it across windows too
  const rated = new Set(
    Object.values(run.problem.conditions).flatMap((cd) =>
      cd.kind === "initial" && cd.derivative === 1 ? [cd.field] : [],
    ),
  );
  let init: NetParams | undefined;
  let result: TrainResult | null = null;
  let steps = 0;
  let wall = 0;
  const xs = xi < 0 ? Float64Array.of(0) : linspace(d.lo[xi], d.hi[xi], c.windowGrid);
  for (let k = 0; k < windows.length; k++) {
    hooks.onNote?.(`window ${k + 1}/${windows.length}: t in [${windows[k][0]}, ${windows[k][1]}]`);
    const problem = windowProblem(run.problem, windows[k], state, rate);
    result = await train({
      problem,
      config: k > 0 ? laterWindow(c) : c,
      weights: run.weights,
      init,
      ...tagged(hooks, k, steps),
    });
    steps += result.steps;
    wall += result.wall_s;
    stages.push({ index: k, window: windows[k], status: result.status });
    done.push({ net: result.net, params: result.params, problem: result.problem });
    if (result.status !== "completed") break;
    if (k === windows.length - 1) break;
    // the end state on a fine grid becomes the next window's initial condition
    const X = new Float64Array(xs.length * dims);
    xs.forEach((x, j) => {
      X[dims * j + ti] = windows[k][1];
      if (xi >= 0) X[dims * j + xi] = x;
    });
    // per field, the interpolant of the network's outputs (or their d/dt) on the grid xs
    const m = run.problem.fields.length;
    const { net, params } = result;
    const interpolants = async (fields: readonly string[], derivative: number[]) => {
      const Y = await predict(net, params, X, derivative);
      return Object.fromEntries(
        fields.map((f) => {
          const fi = run.problem.fields.indexOf(f);
          return [
            f,
            interpolant(
              xs,
              Float64Array.from(xs, (_, j) => Y[j * m + fi]),
            ),
          ];
        }),
      );
    };
    state = await interpolants(run.problem.fields, []);
    if (rated.size > 0) rate = await interpolants([...rated], [ti]);
    init = await windowStart(result, ti, windows[k], windows[k + 1], c.windowInit);
  }
  const last = result as TrainResult;
  return {
    result: last,
    steps,
    wall_s: wall,
    stages,
    parts: done,
    async predictGrid(grid) {
      const X = tensorGrid(grid.axes);
      const n = X.length / dims;
      const m = run.problem.fields.length;
      const Y = new Float64Array(n * m);
      for (let k = 0; k < done.length; k++) {
        const rows: number[] = [];
        for (let i = 0; i < n; i++) {
          const w = Math.min(windowOf(windows, X[i * dims + ti]), done.length - 1);
          if (w === k) rows.push(i);
        }
        if (rows.length === 0) continue;
        const Xk = new Float64Array(rows.length * dims);
        rows.forEach((i, r) => Xk.set(X.subarray(i * dims, (i + 1) * dims), r * dims));
        const Yk = await predict(done[k].net, done[k].params, Xk);
        rows.forEach((i, r) => Y.set(Yk.subarray(r * m, (r + 1) * m), i * m));
      }
      const values: Record<string, Float64Array> = {};
      run.problem.fields.forEach((f, fi) => {
        values[f] = Float64Array.from({ length: n }, (_, i) => Y[i * m + fi]);
      });
      return { X, values };
    },
    dispose() {
      for (const w of done) tree.dispose(w.params);
    },
  };
}
