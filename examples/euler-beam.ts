/**
 * Example: the Euler beam (DeepXDE's Euler_beam): u'''' = -1 on [0, 1], clamped at x = 0
 * (u = u' = 0), free at x = 1 (u'' = u''' = 0, boundary operators). Exact
 * u = -x^4/24 + x^3/6 - x^2/4.
 *
 * Run: npx tsx examples/euler-beam.ts   (PINNLAB_EXAMPLE_STEPS shortens it; CI uses that)
 */
import {
  boundaryOperator,
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
  name: "euler-beam",
  domain: interval(0, 1),
  fields: ["u"],
  residuals: { res: ({ d }) => d("u", "xxxx").add(1) },
  conditions: {
    clamp: dirichlet("u", "x.min", 0),
    slope: data("u", [[0]], [0], { derivative: "x" }),
    moment: boundaryOperator("x.max", ({ d }) => d("u", "xx")),
    shear: boundaryOperator("x.max", ({ d }) => d("u", "xxx")),
  },
  exact: (p) => -(p.x ** 4) / 24 + p.x ** 3 / 6 - p.x ** 2 / 4,
});

const steps = budget(1000);
const result = await train({
  problem,
  config: {
    ...defaultTrainConfig(),
    width: 20,
    depth: 3,
    points: 64,
    bcPoints: 4,
    steps,
    optimizer: "adam+lbfgs",
    lbfgsSteps: scaled(500, steps, 1000),
    lbfgsPoints: 128,
    precision: "float64",
    logEvery: 10000,
  },
});
console.log(`rel_l2 ${(await errors(problem, result)).all.toExponential(3)}`);
