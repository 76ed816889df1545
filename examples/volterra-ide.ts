/**
 * Example: DeepXDE's Volterra integro-differential equation (Volterra_IDE / ide):
 * y'(x) + y(x) = int_0^x exp(s - x) y(s) ds on [0, 5], y(0) = 1, exact y = exp(-x) cosh(x). The
 * integral is a Gauss-Legendre rule on [0, x] (`volterra` in the residual context).
 *
 * Run: npx tsx examples/volterra-ide.ts   (PINNLAB_EXAMPLE_STEPS shortens it; CI uses that)
 */
import {
  defaultTrainConfig,
  defineProblem,
  dirichlet,
  exp,
  interval,
  startEngine,
  train,
} from "../src/index.js";
import { budget, errors, scaled } from "./common.js";

await startEngine();
const problem = defineProblem({
  name: "volterra-ide",
  domain: interval(0, 5),
  fields: ["y"],
  residuals: {
    res: ({ d, volterra }) =>
      d("y", "x")
        .add(d("y"))
        .sub(volterra("y", (x, s) => exp(s.sub(x)))),
  },
  conditions: { ic: dirichlet("y", "x.min", 1) },
  exact: (p) => Math.exp(-p.x) * Math.cosh(p.x),
});

const steps = budget(1000);
const result = await train({
  problem,
  config: {
    ...defaultTrainConfig(),
    width: 20,
    depth: 2,
    points: 16,
    bcPoints: 1,
    steps,
    lr: 5e-3,
    optimizer: "adam+lbfgs",
    lbfgsSteps: scaled(300, steps, 1000),
    lbfgsPoints: 32,
    precision: "float64",
    logEvery: 10000,
  },
});
console.log(`rel_l2 ${(await errors(problem, result)).all.toExponential(3)}`);
