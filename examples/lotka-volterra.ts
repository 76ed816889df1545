/**
 * Example: the Lotka-Volterra predator-prey system (DeepXDE's Lotka_Volterra), in DeepXDE's
 * scaled variables (ub = 200, rb = 20) on t in [0, 1]:
 *   r' = rb (2 r - 0.04 ub r p),  p' = rb (0.02 ub r p - 1.06 p),  r(0) = 100/ub, p(0) = 15/ub.
 * t in [0, 1] is 20 time units of the original system, about four oscillations: one network
 * over all of it does not train (rel L2 0.87-0.99, docs/BENCHMARKS.md). DeepXDE adds sin(k t)
 * input features and 50,000 Adam steps; pinnlab marches in time instead (`windows`,
 * src/train/marching.ts): each window trains on its own slab with the previous window's end
 * state as its initial value (imposed exactly, `hard`), starting from the previous window's
 * parameters. 20 windows of one time unit each, ~1/4 of an oscillation.
 * DeepXDE compares against scipy's solve_ivp; pinnlab's reference is an RK4 solution
 * (examples/ode-rk4.ts, 50 steps per output interval, step 1e-4) on 201 times.
 *
 * Run: npx tsx examples/lotka-volterra.ts   (PINNLAB_EXAMPLE_STEPS shortens it; CI uses that)
 */
import {
  box,
  defineProblem,
  initial,
  problemFactory,
  relativeL2,
  resolveRun,
  startEngine,
  trainRun,
} from "../src/index.js";
import { budget, scaled } from "./common.js";
import { rk4 } from "./ode-rk4.js";

const ub = 200;
const rb = 20;
const rhs = (_t: number, [r, p]: readonly number[]) => [
  rb * (2 * r - 0.04 * ub * r * p),
  rb * (0.02 * ub * r * p - 1.06 * p),
];
const ts = Array.from({ length: 201 }, (_, i) => i / 200);
const sol = rk4(rhs, [100 / ub, 15 / ub], ts, 50);
const ref = {
  axes: [Float64Array.from(ts)],
  values: { r: Float64Array.from(sol, (y) => y[0]), p: Float64Array.from(sol, (y) => y[1]) },
};

await startEngine();
const problem = defineProblem({
  name: "lotka-volterra",
  domain: box({ t: [0, 1] }, { time: "t" }),
  fields: ["r", "p"],
  residuals: {
    prey: ({ d }) =>
      d("r", "t").sub(
        d("r")
          .mul(2 * rb)
          .sub(
            d("r")
              .mul(d("p"))
              .mul(0.04 * ub * rb),
          ),
      ),
    predator: ({ d }) =>
      d("p", "t").sub(
        d("r")
          .mul(d("p"))
          .mul(0.02 * ub * rb)
          .sub(d("p").mul(1.06 * rb)),
      ),
  },
  conditions: { r0: initial("r", 100 / ub), p0: initial("p", 15 / ub) },
  reference: () => ref,
});

const windows = 20;
const steps = budget(1000);
const run = resolveRun(
  problemFactory({ name: "lotka-volterra", params: {}, build: () => problem }),
  [
    ["width", 32],
    ["depth", 2],
    ["points", 128],
    ["bcPoints", 1],
    ["hard", "r0,p0"],
    ["steps", steps],
    ["windows", windows],
    // a window starts from the previous network's parameters as they are: extrapolating it
    // forward (the default) starts the window after the first prey peak on a runaway growth that
    // Adam and L-BFGS do not leave (rel L2 5e2 at 1000 steps; 6.7e-3 copied at 200)
    ["windowInit", "copy"],
    ["windowSteps", Math.round(steps / 2)],
    ["optimizer", "adam+lbfgs"],
    ["lbfgsSteps", scaled(500, steps, 1000)],
    ["lbfgsPoints", 256],
    ["precision", "float64"],
    ["logEvery", 100000],
  ],
);
const t0 = Date.now();
const out = await trainRun(run, {});
const pred = await out.predictGrid(ref);
const e = (f: "r" | "p") => relativeL2({ [f]: pred.values[f] }, { [f]: ref.values[f] });
console.log(
  `rel_l2 ${relativeL2(pred.values, ref.values).toExponential(3)} (r ${e("r").toExponential(2)}, p ${e("p").toExponential(2)}); ${windows} windows, ${out.steps} steps, ${((Date.now() - t0) / 1000).toFixed(0)} s`,
);

out.dispose();
