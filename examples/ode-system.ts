/**
 * Example: DeepXDE's ode_system: y1' = y2, y2' = -y1 on t in [0, 10], y1(0) = 0, y2(0) = 1, exact
 * y1 = sin(t), y2 = cos(t).
 *
 * Run: npx tsx examples/ode-system.ts   (PINNLAB_EXAMPLE_STEPS shortens it; CI uses that)
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

await startEngine();
const problem = defineProblem({
  name: "ode-system",
  domain: interval(0, 10, "t"),
  fields: ["y1", "y2"],
  residuals: {
    r1: ({ d }) => d("y1", "t").sub(d("y2")),
    r2: ({ d }) => d("y2", "t").add(d("y1")),
  },
  conditions: { y1: dirichlet("y1", "t.min", 0), y2: dirichlet("y2", "t.min", 1) },
  exact: (p) => ({ y1: Math.sin(p.t), y2: Math.cos(p.t) }),
});

const steps = budget(2000);
const result = await train({
  problem,
  config: {
    ...defaultTrainConfig(),
    width: 32,
    depth: 2,
    points: 128,
    bcPoints: 1,
    steps,
    optimizer: "adam+lbfgs",
    lbfgsSteps: scaled(1000, steps, 2000),
    lbfgsPoints: 256,
    precision: "float64",
    logEvery: 10000,
  },
});
console.log(`rel_l2 ${(await errors(problem, result)).all.toExponential(3)}`);
