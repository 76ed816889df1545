/**
 * Example: Poisson's equation with a Robin end (DeepXDE's Poisson_Robin_1d): u'' = 2 on [-1, 1],
 * u(-1) = 0 and u + u' = 8 at x = 1 (the outward derivative there is u'), exact u = (x + 1)^2.
 *
 * Run: npx tsx examples/poisson-robin.ts   (PINNLAB_EXAMPLE_STEPS shortens it; CI uses that)
 */
import {
  defaultTrainConfig,
  defineProblem,
  dirichlet,
  interval,
  robin,
  startEngine,
  train,
} from "../src/index.js";
import { budget, errors, scaled } from "./common.js";

await startEngine();
const problem = defineProblem({
  name: "poisson-robin",
  domain: interval(-1, 1),
  fields: ["u"],
  residuals: { res: ({ d }) => d("u", "xx").sub(2) },
  conditions: {
    left: dirichlet("u", "x.min", 0),
    right: robin("u", "x.max", { a: 1, b: 1 }, 8),
  },
  exact: (p) => (p.x + 1) ** 2,
});

const steps = budget(1000);
const result = await train({
  problem,
  config: {
    ...defaultTrainConfig(),
    width: 16,
    depth: 2,
    points: 64,
    bcPoints: 8,
    steps,
    optimizer: "adam+lbfgs",
    lbfgsSteps: scaled(500, steps, 1000),
    lbfgsPoints: 128,
    precision: "float64",
    logEvery: 10000,
  },
});
console.log(`rel_l2 ${(await errors(problem, result)).all.toExponential(3)}`);
