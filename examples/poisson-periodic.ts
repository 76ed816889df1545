/**
 * Example: DeepXDE's Poisson_periodic_1d: -u_xx = pi^2 sin(pi x) on [-1, 1], u(-1) = 0 and the
 * periodic condition u(-1) = u(1) (DeepXDE's PeriodicBC of the value, derivative order 0), exact
 * u = sin(pi x).
 *
 * Run: npx tsx examples/poisson-periodic.ts   (PINNLAB_EXAMPLE_STEPS shortens it; CI uses that)
 */
import {
  defaultTrainConfig,
  defineProblem,
  dirichlet,
  interval,
  periodic,
  sin,
  startEngine,
  train,
} from "../src/index.js";
import { budget, errors, scaled } from "./common.js";

await startEngine();
const problem = defineProblem({
  name: "poisson-periodic",
  domain: interval(-1, 1),
  fields: ["u"],
  residuals: {
    res: ({ d, x }) => d("u", "xx").add(sin(x("x").mul(Math.PI)).mul(Math.PI * Math.PI)),
  },
  conditions: {
    left: dirichlet("u", "x.min", 0),
    period: periodic("u", "x", 0),
  },
  exact: (p) => Math.sin(Math.PI * p.x),
});

const steps = budget(1000);
const result = await train({
  problem,
  config: {
    ...defaultTrainConfig(),
    width: 20,
    depth: 3,
    points: 64,
    bcPoints: 2,
    steps,
    optimizer: "adam+lbfgs",
    lbfgsSteps: scaled(500, steps, 1000),
    lbfgsPoints: 128,
    precision: "float64",
    logEvery: 10000,
  },
});
console.log(`rel_l2 ${(await errors(problem, result)).all.toExponential(3)}`);
