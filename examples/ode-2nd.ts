/**
 * Example: DeepXDE's ode_2nd: y'' - 10 y' + 9 y = 5 t on t in [0, 0.25], y(0) = -1, y'(0) = 2,
 * exact y = 50/81 + 5 t / 9 - 2 e^t + 31/81 e^(9 t). The input is named t; the value condition is
 * a Dirichlet condition at t = 0 and the slope a derivative data point there (DeepXDE's
 * OperatorBC).
 *
 * Run: npx tsx examples/ode-2nd.ts   (PINNLAB_EXAMPLE_STEPS shortens it; CI uses that)
 */
import {
  data,
  defaultTrainConfig,
  defineProblem,
  dirichlet,
  interval,
  startEngine,
  train,
} from "../src/index.js";
import { budget, errors, scaled } from "./common.js";

await startEngine();
const problem = defineProblem({
  name: "ode-2nd",
  domain: interval(0, 0.25, "t"),
  fields: ["y"],
  residuals: {
    res: ({ d, x }) => d("y", "tt").sub(d("y", "t").mul(10)).add(d("y").mul(9)).sub(x("t").mul(5)),
  },
  conditions: {
    y0: dirichlet("y", "t.min", -1),
    slope: data("y", [[0]], [2], { derivative: "t" }),
  },
  exact: (p) => 50 / 81 + (5 * p.t) / 9 - 2 * Math.exp(p.t) + (31 / 81) * Math.exp(9 * p.t),
});

const steps = budget(1000);
const result = await train({
  problem,
  config: {
    ...defaultTrainConfig(),
    width: 20,
    depth: 3,
    points: 64,
    bcPoints: 1,
    steps,
    optimizer: "adam+lbfgs",
    lbfgsSteps: scaled(500, steps, 1000),
    lbfgsPoints: 128,
    precision: "float64",
    logEvery: 10000,
  },
});
console.log(`rel_l2 ${(await errors(problem, result)).all.toExponential(3)}`);
