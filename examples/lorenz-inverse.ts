/**
 * Example: the inverse Lorenz system (DeepXDE's Lorenz_inverse): y1' = C1 (y2 - y1),
 * y2' = y1 (C2 - y3) - y2, y3' = y1 y2 - C3 y3 on t in [0, 3], y(0) = (-8, 7, 27), with the
 * unknown C1, C2, C3 (true 10, 15, 8/3) started at 1 and learned from observations of all three
 * components. DeepXDE reads them from Lorenz.npz; pinnlab generates them itself with an RK4
 * solver (examples/ode-rk4.ts) at 61 equispaced times.
 *
 * The network predicts Y = y / 10 (the states reach ~40): the residuals below are the Lorenz
 * equations divided by 10, written in Y.
 *
 * Recipe (as examples/burgers-inverse.ts): a 3 x 20 tanh network in float64 on the fused
 * kernels, 1,000 Adam steps (coefficient learning rate 5e-2), then 3,000 self-scaled Broyden
 * iterations (Urban, Stefanou & Pons, J. Comput. Phys. 2024) on the same 400 collocation points:
 * all three coefficients to about 1e-6 relative (docs/BENCHMARKS.md). A 3 x 40 network with
 * 6,000 Adam + 2,000 L-BFGS steps left C1 5.6% off.
 *
 * Run: npx tsx examples/lorenz-inverse.ts   (PINNLAB_EXAMPLE_STEPS shortens it; CI uses that)
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
import { budget, scaled } from "./common.js";
import { rk4 } from "./ode-rk4.js";

const S = 10;
const truth = { C1: 10, C2: 15, C3: 8 / 3 };
const ts = Array.from({ length: 61 }, (_, i) => (3 * i) / 60);
const ys = rk4(
  (_t, [a, b, c]) => [truth.C1 * (b - a), a * (truth.C2 - c) - b, a * b - truth.C3 * c],
  [-8, 7, 27],
  ts,
  200,
);
const C1 = param("C1", { init: 1 });
const C2 = param("C2", { init: 1 });
const C3 = param("C3", { init: 1 });
const obs = (k: number) =>
  data(
    `y${k + 1}`,
    ts.map((t) => [t]),
    ys.map((y) => y[k] / S),
  );

await startEngine();
const problem = defineProblem({
  name: "lorenz-inverse",
  domain: interval(0, 3, "t"),
  fields: ["y1", "y2", "y3"],
  residuals: {
    // y = S Y: Y1' = C1 (Y2 - Y1), Y2' = Y1 (C2 - S Y3) - Y2, Y3' = S Y1 Y2 - C3 Y3
    r1: ({ d }) => d("y1", "t").sub(d("y2").sub(d("y1")).mul(C1)),
    r2: ({ d }) =>
      d("y2", "t")
        .sub(d("y1").mul(d("y3").mul(-S).add(C2)))
        .add(d("y2")),
    r3: ({ d }) =>
      d("y3", "t")
        .sub(d("y1").mul(d("y2")).mul(S))
        .add(d("y3").mul(C3)),
  },
  conditions: {
    ic1: dirichlet("y1", "t.min", -8 / S),
    ic2: dirichlet("y2", "t.min", 7 / S),
    ic3: dirichlet("y3", "t.min", 27 / S),
    obs1: obs(0),
    obs2: obs(1),
    obs3: obs(2),
  },
});

const steps = budget(1000);
const result = await train({
  problem,
  config: {
    ...defaultTrainConfig(),
    width: 20,
    depth: 3,
    points: 400,
    bcPoints: 1,
    steps,
    coefLr: 5e-2,
    optimizer: "adam+ssbroyden",
    bfgsSteps: scaled(3000, steps, 1000),
    bfgsPoints: 400,
    precision: "float64",
    logEvery: 10000,
  },
});
for (const [k, v] of Object.entries(truth)) {
  const got = result.coefficients[k];
  console.log(
    `${k} ${got.toPrecision(6)} (true ${v.toPrecision(6)}, error ${(Math.abs(got - v) / v).toExponential(2)})`,
  );
}
