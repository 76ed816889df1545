/**
 * Example: an inverse problem (DeepXDE's diffusion_1d_inverse): u_t = C u_xx - exp(-t)(sin(pi x)
 * - pi^2 sin(pi x)) on x in [-1, 1], t in [0, 1], with the unknown diffusivity C learned from
 * observations of u at 10 points x 10 times. The exact solution is u = exp(-t) sin(pi x) with
 * C = 1; the observations are generated from it here (DeepXDE does the same), starting from
 * C = 2.
 *
 * Run: npx tsx examples/diffusion-inverse.ts   (PINNLAB_EXAMPLE_STEPS shortens it; CI uses that)
 */
import {
  data,
  defaultTrainConfig,
  defineProblem,
  dirichlet,
  exp,
  initial,
  interval,
  param,
  sin,
  smooth,
  startEngine,
  timeSpace,
  train,
} from "../src/index.js";

const C = param("C", { init: 2, positive: true });
const pts: number[][] = [];
for (let i = 0; i < 10; i++)
  for (let j = 0; j < 10; j++) pts.push([(i + 0.5) / 10, -1 + (2 * j + 1) / 10]);
const u = ([t, x]: readonly number[]) => Math.exp(-t) * Math.sin(Math.PI * x);

await startEngine();
const problem = defineProblem({
  name: "diffusion-inverse",
  domain: timeSpace([0, 1], interval(-1, 1)),
  fields: ["u"],
  residuals: {
    res: ({ d, x }) => {
      const s = sin(x("x").mul(Math.PI));
      const source = exp(x("t").neg()).mul(s.sub(s.mul(Math.PI ** 2)));
      return d("u", "t").sub(d("u", "xx").mul(C)).add(source);
    },
  },
  conditions: {
    ic: initial(
      "u",
      smooth((o) => o.sin(o.mul(o.in("x"), Math.PI))),
    ),
    bc: dirichlet("u", "boundary", 0),
    obs: data("u", pts, pts.map(u)),
  },
  exact: (p) => u([p.t, p.x]),
});

const steps = Number(process.env.PINNLAB_EXAMPLE_STEPS ?? 3000);
const config = {
  ...defaultTrainConfig(),
  width: 32,
  depth: 3,
  points: 256,
  bcPoints: 64,
  steps,
  coefLr: 1e-2,
  optimizer: "adam+lbfgs" as const,
  lbfgsSteps: Math.min(200, Math.floor(steps / 2)),
  logEvery: 500,
};
const result = await train({
  problem,
  config,
  onRecord: (r) =>
    console.log(
      `step ${r.step}: loss ${r.loss.toExponential(3)}${r.coefs ? ` C ${r.coefs.C.toFixed(4)}` : ""}`,
    ),
});
console.log(`C ${result.coefficients.C.toPrecision(6)}`);
