/**
 * Example: the inverse Burgers problem of Raissi, Perdikaris & Karniadakis (2019):
 * u_t + l1 u u_x - l2 u_xx = 0 on x in [-1, 1], t in [0, 1], u0 = -sin(pi x), u(t, +-1) = 0, with
 * l1 and l2 unknown (true 1 and 0.01/pi; started at 0 and 0.0025 = exp(-6), Raissi's starting
 * values) and learned from N = 2,000 observations of the exact Cole-Hopf solution (pinnlab's
 * reference, `reference.burgersExact`) at random points. `PINNLAB_NOISE=0.01` adds Gaussian noise
 * of 1% of the data's standard deviation, as in the paper. Like the paper, only the data and the
 * residual enter the loss (no initial or boundary term).
 *
 * Run: npx tsx examples/burgers-inverse.ts   (PINNLAB_EXAMPLE_STEPS shortens it; CI uses that)
 */
import {
  Rng,
  data,
  defaultTrainConfig,
  defineProblem,
  interval,
  param,
  reference,
  startEngine,
  timeSpace,
  train,
} from "../src/index.js";
import { budget, scaled } from "./common.js";

const NU = 0.01 / Math.PI;
const noise = Number(process.env.PINNLAB_NOISE ?? 0);
const rng = new Rng(1234);
const pts: number[][] = [];
for (let i = 0; i < 2000; i++) pts.push([rng.uniform(), -1 + 2 * rng.uniform()]);
const u = pts.map(([t, x]) => reference.burgersExact(t, x));
const mean = u.reduce((a, b) => a + b, 0) / u.length;
const std = Math.sqrt(u.reduce((a, b) => a + (b - mean) ** 2, 0) / u.length);
const values = u.map((v) => v + noise * std * rng.normal());

const l1 = param("l1", { init: 0 });
const l2 = param("l2", { init: Math.exp(-6), positive: true });

await startEngine();
const problem = defineProblem({
  name: "burgers-inverse",
  domain: timeSpace([0, 1], interval(-1, 1)),
  fields: ["u"],
  residuals: {
    res: ({ d }) =>
      d("u", "t")
        .add(d("u").mul(d("u", "x")).mul(l1))
        .sub(d("u", "xx").mul(l2)),
  },
  conditions: { obs: data("u", pts, values) },
});

const steps = budget(2000);
const result = await train({
  problem,
  config: {
    ...defaultTrainConfig(),
    width: 20,
    depth: 4,
    points: 1000,
    bcPoints: 2000,
    steps,
    coefLr: 1e-2,
    optimizer: "adam+lbfgs",
    lbfgsSteps: scaled(2000, steps, 2000),
    lbfgsPoints: 1000,
    precision: "float64",
    logEvery: 10000,
  },
});
const c = result.coefficients;
console.log(`l1 ${c.l1.toPrecision(6)} (error ${Math.abs(c.l1 - 1).toExponential(2)})`);
console.log(`l2 ${c.l2.toPrecision(6)} (error ${(Math.abs(c.l2 - NU) / NU).toExponential(2)})`);
