/**
 * Example: the Lotka-Volterra predator-prey system (DeepXDE's Lotka_Volterra), in DeepXDE's
 * scaled variables (ub = 200, rb = 20) on t in [0, 1]:
 *   r' = rb (2 r - 0.04 ub r p),  p' = rb (0.02 ub r p - 1.06 p),  r(0) = 100/ub, p(0) = 15/ub.
 * DeepXDE compares against scipy's solve_ivp; pinnlab's reference is an RK4 solution
 * (examples/ode-rk4.ts, 2,000 steps per output interval... see `sub`) on 200 times.
 *
 * Run: npx tsx examples/lotka-volterra.ts   (PINNLAB_EXAMPLE_STEPS shortens it; CI uses that)
 */
import {
  defaultTrainConfig,
  defineProblem,
  dirichlet,
  interval,
  startEngine,
  train,
} from "../src/index.js";
import { budget, errors, scaled } from "./common.js";
import { rk4 } from "./ode-rk4.js";

const ub = 200;
const rb = 20;
const rhs = (_t: number, [r, p]: readonly number[]) => [
  rb * (2 * r - 0.04 * ub * r * p),
  rb * (0.02 * ub * r * p - 1.06 * p),
];
const ts = Array.from({ length: 201 }, (_, i) => i / 200);
const sol = rk4(rhs, [100 / ub, 15 / ub], ts, 50);

await startEngine();
const problem = defineProblem({
  name: "lotka-volterra",
  domain: interval(0, 1, "t"),
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
  conditions: {
    r0: dirichlet("r", "t.min", 100 / ub),
    p0: dirichlet("p", "t.min", 15 / ub),
  },
  reference: () => ({
    axes: [Float64Array.from(ts)],
    values: { r: Float64Array.from(sol, (y) => y[0]), p: Float64Array.from(sol, (y) => y[1]) },
  }),
});

const steps = budget(4000);
const result = await train({
  problem,
  config: {
    ...defaultTrainConfig(),
    width: 32,
    depth: 3,
    points: 256,
    bcPoints: 1,
    steps,
    optimizer: "adam+ssbroyden",
    bfgsSteps: scaled(2000, steps, 4000),
    bfgsPoints: 512,
    precision: "float64",
    logEvery: 10000,
  },
});
const e = await errors(problem, result);
console.log(
  `rel_l2 ${e.all.toExponential(3)} (r ${e.fields.r.toExponential(2)}, p ${e.fields.p.toExponential(2)})`,
);
