/**
 * Example: the inverse Burgers problem of Raissi, Perdikaris & Karniadakis (2019):
 * u_t + l1 u u_x - l2 u_xx = 0 on x in [-1, 1], t in [0, 1], u0 = -sin(pi x), u(t, +-1) = 0, with
 * l1 and l2 unknown (true 1 and 0.01/pi; started at 0 and 0.0025 = exp(-6), Raissi's starting
 * values) and learned from N = 2,000 observations of the exact Cole-Hopf solution (pinnlab's
 * reference, `reference.burgersExact`) at random points. `PINNLAB_NOISE=0.01` adds Gaussian noise
 * of 1% of the data's standard deviation, as in the paper. Like the paper, only the data and the
 * residual enter the loss (no initial or boundary term).
 *
 * Recipe: a 3 x 20 tanh network in float64 on the fused kernels, 1,000 Adam steps (2,000 random
 * residual points per step) then 3,000 self-scaled Broyden iterations (Urban, Stefanou & Pons
 * 2024) on 2,000 fixed residual points; the coefficients are two extra parameters of both phases.
 * Prints l1, l2, their relative errors and the rel L2 error of u on a 100 x 256 grid.
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
import { budget, errors, scaled } from "./common.js";

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

// the evaluation grid (t up to 0.99, as the forward Burgers problem's)
const tg = Float64Array.from({ length: 100 }, (_, i) => (0.99 * i) / 99);
const xg = Float64Array.from({ length: 256 }, (_, i) => -1 + (2 * i) / 255);

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
  reference: () => ({ axes: [tg, xg], values: { u: reference.burgersGrid(tg, xg).u } }),
});

const steps = budget(1000);
const t0 = performance.now();
const result = await train({
  problem,
  config: {
    ...defaultTrainConfig(),
    width: 20,
    depth: 3,
    points: 2000,
    bcPoints: 2000,
    steps,
    coefLr: 1e-2,
    optimizer: "adam+ssbroyden",
    bfgsSteps: scaled(3000, steps, 1000),
    bfgsPoints: 2000,
    precision: "float64",
    evalEvery: 0,
    logEvery: 10000,
  },
});
const wall = (performance.now() - t0) / 1000;
const c = result.coefficients;
const e = await errors(problem, result);
console.log(`l1 ${c.l1.toPrecision(6)} (relative error ${Math.abs(c.l1 - 1).toExponential(2)})`);
console.log(
  `l2 ${c.l2.toPrecision(6)} (relative error ${(Math.abs(c.l2 - NU) / NU).toExponential(2)})`,
);
console.log(`rel_l2 ${e.all.toExponential(3)}`);
console.log(`backend ${result.backend}, ${result.message}, ${wall.toFixed(0)} s`);
