/**
 * Example: DeepXDE's reaction_inverse, the inverse problem of a diffusion-reaction system,
 *   ca_t = D ca_xx - kf ca cb^2,  cb_t = D cb_xx - 2 kf ca cb^2,  x in [0, 1], t in [0, 10],
 *   ca = cb = exp(-20 x) at t = 0,  ca = cb = 1 - x at x = 0 and x = 1,
 * with the unknown kf and D (true 0.1 and 2e-3) learned from observations of ca and cb. As in
 * DeepXDE the residual is written with 1e-3 D (so the learned D is 2 at the truth) and the
 * coefficients start at kf = 0.05, D = 1.
 *
 * DeepXDE reads the observations from reaction.npz, which pinnlab does not have: pinnlab
 * generates them itself from a method-of-lines reference (examples/fd-reaction.ts, 400
 * intervals, RK4; its difference from the 800-interval solution is 1.3e-5, and halving the
 * grid spacing cuts it fourfold: `PINNLAB_FD_CHECK=1 npx tsx examples/reaction-inverse.ts`) on
 * 21 x 21 points (x = 0, 0.05, .., 1; t = 0, 0.5, .., 10), and measures rel L2 against it.
 *
 * Recipe (that of examples/burgers-inverse.ts): a 3 x 20 tanh network in float64 on the fused
 * kernels, 1,000 Adam steps then 3,000 self-scaled Broyden iterations on 2,000 fixed residual
 * points, kf and D two extra parameters of both phases. Prints rel L2 against the reference, kf
 * and D (as 1e-3 times the learned value) with their relative errors.
 *
 * Run: npx tsx examples/reaction-inverse.ts   (PINNLAB_EXAMPLE_STEPS shortens it; CI uses that)
 */
import {
  data,
  defaultTrainConfig,
  defineProblem,
  dirichlet,
  initial,
  interval,
  param,
  smooth,
  startEngine,
  timeSpace,
  train,
} from "../src/index.js";
import { budget, errors, scaled } from "./common.js";
import { reactionDifference, solveReaction } from "./fd-reaction.js";

const truth = { kf: 0.1, D: 2e-3 };
const nx = 400;
const tObs = Array.from({ length: 21 }, (_, k) => k / 2);
const sol = solveReaction(truth.D, truth.kf, nx, tObs);
if (process.env.PINNLAB_FD_CHECK) {
  const coarse = solveReaction(truth.D, truth.kf, nx / 2, tObs);
  const fine = solveReaction(truth.D, truth.kf, 2 * nx, tObs);
  console.log(
    `fd h=1/${nx / 2} vs 1/${nx}: ${reactionDifference(coarse, sol, 2).toExponential(2)}; 1/${nx} vs 1/${2 * nx}: ${reactionDifference(sol, fine, 2).toExponential(2)}`,
  );
}
// observations on x = 0, 0.05, .., 1 (every 20th node) at every output time
const stride = nx / 20;
const pts: number[][] = [];
const caObs: number[] = [];
const cbObs: number[] = [];
tObs.forEach((t, k) => {
  for (let i = 0; i <= nx; i += stride) {
    pts.push([t, sol.x[i]]);
    caObs.push(sol.ca[k][i]);
    cbObs.push(sol.cb[k][i]);
  }
});
// the reference grid for the error: every 4th node, every output time
const xs = Float64Array.from({ length: nx / 4 + 1 }, (_, i) => sol.x[4 * i]);
const grid = (c: Float64Array[]) =>
  Float64Array.from({ length: tObs.length * xs.length }, (_, j) => {
    const k = Math.floor(j / xs.length);
    return c[k][4 * (j % xs.length)];
  });

const kf = param("kf", { init: 0.05 });
const D = param("D", { init: 1 });
await startEngine();
const problem = defineProblem({
  name: "reaction-inverse",
  domain: timeSpace([0, 10], interval(0, 1)),
  fields: ["ca", "cb"],
  residuals: {
    ra: ({ d }) =>
      d("ca", "t")
        .sub(d("ca", "xx").mul(D).mul(1e-3))
        .add(d("ca").mul(d("cb")).mul(d("cb")).mul(kf)),
    rb: ({ d }) =>
      d("cb", "t")
        .sub(d("cb", "xx").mul(D).mul(1e-3))
        .add(d("ca").mul(d("cb")).mul(d("cb")).mul(kf).mul(2)),
  },
  conditions: {
    ica: initial(
      "ca",
      smooth((o) => o.exp(o.mul(o.in("x"), -20))),
    ),
    icb: initial(
      "cb",
      smooth((o) => o.exp(o.mul(o.in("x"), -20))),
    ),
    bca: dirichlet("ca", "boundary", (p) => 1 - p.x),
    bcb: dirichlet("cb", "boundary", (p) => 1 - p.x),
    oba: data("ca", pts, caObs),
    obb: data("cb", pts, cbObs),
  },
  reference: () => ({
    axes: [Float64Array.from(tObs), xs],
    values: { ca: grid(sol.ca), cb: grid(sol.cb) },
  }),
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
    bcPoints: 200,
    steps,
    coefLr: 1e-2,
    optimizer: "adam+ssbroyden",
    bfgsSteps: scaled(3000, steps, 1000),
    bfgsPoints: 2000,
    precision: "float64",
    evalEvery: 0,
    logEvery: 100000,
  },
});
const wall = (performance.now() - t0) / 1000;
const e = await errors(problem, result);
console.log(`rel_l2 ${e.all.toExponential(3)}`);
for (const [k, v] of Object.entries(truth)) {
  const got = k === "D" ? result.coefficients.D * 1e-3 : result.coefficients[k];
  console.log(
    `${k} ${got.toPrecision(6)} (true ${v}, error ${(Math.abs(got - v) / v).toExponential(2)})`,
  );
}
console.log(`backend ${result.backend}, ${result.message}, ${wall.toFixed(0)} s`);
