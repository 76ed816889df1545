/**
 * Example: the inverse Brinkman-Forchheimer problem (DeepXDE's brinkman_forchheimer, after
 * Kadeethum et al.): -(nu_e / e) u'' + nu u / K = g on [0, 1], u(0) = u(1) = 0, with nu = 1e-3,
 * e = 0.4, g = 1 and the unknown effective viscosity nu_e and permeability K (both 1e-3, started
 * at 0.1 as DeepXDE does) learned from 5 observations of the exact solution
 * u = g K / nu (1 - cosh(r (x - 1/2)) / cosh(r / 2)), r = sqrt(nu e / (nu_e K)). The Dirichlet
 * ends are exact (`hard`), as DeepXDE's output transform x (1 - x) N makes them.
 *
 * Run: npx tsx examples/brinkman-forchheimer.ts   (PINNLAB_EXAMPLE_STEPS shortens it; CI uses that)
 */
import {
  data,
  defaultTrainConfig,
  defineProblem,
  dirichlet,
  interval,
  param,
  startEngine,
  train,
} from "../src/index.js";
import { budget, errors, scaled } from "./common.js";

const g = 1;
const nu = 1e-3;
const e = 0.4;
const r = Math.sqrt((nu * e) / (1e-3 * 1e-3));
const sol = (x: number) => ((g * 1e-3) / nu) * (1 - Math.cosh(r * (x - 0.5)) / Math.cosh(r / 2));
const nuE = param("nuE", { init: 0.1, positive: true });
const K = param("K", { init: 0.1, positive: true });
const xs = Array.from({ length: 5 }, (_, i) => (i + 1) / 6);

await startEngine();
const problem = defineProblem({
  name: "brinkman-forchheimer",
  domain: interval(0, 1),
  fields: ["u"],
  residuals: {
    res: ({ d }) =>
      d("u", "xx")
        .mul(nuE)
        .mul(-1 / e)
        .add(d("u").mul(nu).div(K))
        .sub(g),
  },
  conditions: {
    ends: dirichlet("u", "boundary", 0),
    obs: data(
      "u",
      xs.map((x) => [x]),
      xs.map(sol),
    ),
  },
  exact: (p) => sol(p.x),
});

const steps = budget(4000);
const result = await train({
  problem,
  config: {
    ...defaultTrainConfig(),
    width: 20,
    depth: 3,
    points: 100,
    bcPoints: 5,
    steps,
    hard: ["ends"],
    coefLr: 1e-2,
    optimizer: "adam+lbfgs",
    lbfgsSteps: scaled(1000, steps, 4000),
    lbfgsPoints: 200,
    precision: "float64",
    logEvery: 10000,
  },
});
const c = result.coefficients;
console.log(`rel_l2 ${(await errors(problem, result)).all.toExponential(3)}`);
console.log(`nuE ${c.nuE.toPrecision(6)}`);
console.log(`K ${c.K.toPrecision(6)}`);
