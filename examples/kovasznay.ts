/**
 * Example: Kovasznay flow (DeepXDE's Kovasznay_flow): steady incompressible Navier-Stokes at
 * Re = 20 on [-0.5, 1] x [-0.5, 1.5], three fields (u, v, p), Dirichlet velocity on the whole
 * boundary and the pressure at the outflow x = 1; exact solution
 *   u = 1 - exp(l x) cos(2 pi y), v = l / (2 pi) exp(l x) sin(2 pi y), p = (1 - exp(2 l x)) / 2,
 * l = 1/(2 nu) - sqrt(1/(4 nu^2) + 4 pi^2).
 *
 * Run: npx tsx examples/kovasznay.ts   (PINNLAB_EXAMPLE_STEPS shortens it; CI uses that)
 */
import {
  defaultTrainConfig,
  defineProblem,
  dirichlet,
  rectangle,
  startEngine,
  train,
} from "../src/index.js";
import { budget, errors, scaled } from "./common.js";

const Re = 20;
const nu = 1 / Re;
const l = 1 / (2 * nu) - Math.sqrt(1 / (4 * nu * nu) + 4 * Math.PI ** 2);
const U = (x: number, y: number) => 1 - Math.exp(l * x) * Math.cos(2 * Math.PI * y);
const V = (x: number, y: number) =>
  (l / (2 * Math.PI)) * Math.exp(l * x) * Math.sin(2 * Math.PI * y);
const P = (x: number) => 0.5 * (1 - Math.exp(2 * l * x));

await startEngine();
const problem = defineProblem({
  name: "kovasznay",
  domain: rectangle([-0.5, 1], [-0.5, 1.5]),
  fields: ["u", "v", "p"],
  residuals: {
    momentumX: ({ d }) =>
      d("u")
        .mul(d("u", "x"))
        .add(d("v").mul(d("u", "y")))
        .add(d("p", "x"))
        .sub(d("u", "xx").add(d("u", "yy")).mul(nu)),
    momentumY: ({ d }) =>
      d("u")
        .mul(d("v", "x"))
        .add(d("v").mul(d("v", "y")))
        .add(d("p", "y"))
        .sub(d("v", "xx").add(d("v", "yy")).mul(nu)),
    continuity: ({ d }) => d("u", "x").add(d("v", "y")),
  },
  conditions: {
    u: dirichlet("u", "boundary", (q) => U(q.x, q.y)),
    v: dirichlet("v", "boundary", (q) => V(q.x, q.y)),
    p: dirichlet("p", "x.max", (q) => P(q.x)),
  },
  exact: (q) => ({ u: U(q.x, q.y), v: V(q.x, q.y), p: P(q.x) }),
});

const steps = budget(2000);
const result = await train({
  problem,
  config: {
    ...defaultTrainConfig(),
    width: 32,
    depth: 3,
    points: 512,
    bcPoints: 128,
    steps,
    optimizer: "adam+lbfgs",
    lbfgsSteps: scaled(1000, steps, 2000),
    lbfgsPoints: 1024,
    precision: "float64",
    logEvery: 10000,
  },
});
const e = await errors(problem, result);
const f = (k: string) => e.fields[k].toExponential(2);
console.log(`rel_l2 ${e.all.toExponential(3)} (u ${f("u")}, v ${f("v")}, p ${f("p")})`);
