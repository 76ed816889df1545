/**
 * Example: Laplace's equation on the unit disk (DeepXDE's Laplace_disk). DeepXDE writes it in
 * polar coordinates with u(1, theta) = cos(theta); pinnlab has the disk itself, so the same
 * problem reads u_xx + u_yy = 0 in the disk, u = cos(theta) = x on the circle, and the exact
 * solution r cos(theta) = x.
 *
 * Run: npx tsx examples/laplace-disk.ts   (PINNLAB_EXAMPLE_STEPS shortens it; CI uses that)
 */
import {
  defaultTrainConfig,
  defineProblem,
  dirichlet,
  disk,
  startEngine,
  train,
} from "../src/index.js";
import { budget, errors, scaled } from "./common.js";

await startEngine();
const problem = defineProblem({
  name: "laplace-disk",
  domain: disk([0, 0], 1),
  fields: ["u"],
  residuals: { res: ({ d }) => d("u", "xx").add(d("u", "yy")) },
  // on the circle cos(theta) = x / r = x
  conditions: { bc: dirichlet("u", "circle", (p) => Math.cos(Math.atan2(p.y, p.x))) },
  exact: (p) => p.x,
});

const steps = budget(1000);
const result = await train({
  problem,
  config: {
    ...defaultTrainConfig(),
    width: 20,
    depth: 2,
    points: 256,
    bcPoints: 64,
    steps,
    optimizer: "adam+lbfgs",
    lbfgsSteps: scaled(300, steps, 1000),
    lbfgsPoints: 512,
    precision: "float64",
    logEvery: 10000,
  },
});
console.log(`rel_l2 ${(await errors(problem, result)).all.toExponential(3)}`);
